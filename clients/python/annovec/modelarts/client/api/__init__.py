"""from annovec.modelarts.client.api import *  ->  DataAnnotationsApi, LabelApi."""
from .data_annotations_api import DataAnnotationsApi
from .label_api import LabelApi

__all__ = ["DataAnnotationsApi", "LabelApi"]

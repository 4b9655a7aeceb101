"""from annovec.modelarts.client import *  ->  DataAnnotationsApi, LabelApi, ApiClient, ApiException."""
from ..exceptions import ApiException
from .api import DataAnnotationsApi, LabelApi
from .api_client import ApiClient

__all__ = ["DataAnnotationsApi", "LabelApi", "ApiClient", "ApiException"]

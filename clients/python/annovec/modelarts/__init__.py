"""annovec.modelarts — a standard-library client for annovec's ModelArts dialect.

The old ModelArts SDK layout:
    from annovec.modelarts import config
    from annovec.modelarts.client.api import *      # DataAnnotationsApi, LabelApi
    client = config.create_client(context="default")
plus Dataset / Files for the v2 dataset API. Errors: ApiException (status, error_code, error_msg).
"""
from . import config
from .answer import Answer
from .dataset import Dataset, Files
from .exceptions import ApiException, ConfigError

__all__ = ["config", "Answer", "Dataset", "Files", "ApiException", "ConfigError"]

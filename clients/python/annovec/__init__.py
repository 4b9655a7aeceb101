"""annovec client libraries (standard library only). See annovec.modelarts."""
__version__ = "0.1.0"

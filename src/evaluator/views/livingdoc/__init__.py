"""Living documentation: the features as read, the last test results, and the site built from them."""
from evaluator.views.livingdoc.features import read_features
from evaluator.views.livingdoc.site import build_site

__all__ = ["build_site", "read_features"]

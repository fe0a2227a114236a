"""The method as data: the policy file's model, its loader and its checks."""
from .load import CompiledPolicy, load_policy

__all__ = ["CompiledPolicy", "load_policy"]

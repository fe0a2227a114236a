"""The method as data: the policy file's model, its loader and its checks."""
from evaluator.domain.policy.load import CompiledPolicy, load_policy

__all__ = ["CompiledPolicy", "load_policy"]

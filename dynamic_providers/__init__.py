"""LiteLLM models, virtual keys and teams as Pulumi dynamic-provider resources.

The provider classes are pickled by reference into the stack state, so the module paths
`dynamic_providers.model`, `dynamic_providers.virtual_key` and `dynamic_providers.team` and the class
names in them are stable API. Import the resources from those modules; this package imports nothing
eagerly so that loading one provider in the provider host does not pull in the others.
"""

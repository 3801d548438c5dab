"""Each LiteLLM kind the stack manages, declared once (`declarations`) in the schema's terms (`schema`).

A leaf package: the config parsers, the catalog component and the providers all derive from these tables, so it
imports nothing else from the project but `litemaas_common`.
"""

"""The LiteLLM admin API client in three parts: `transport` (session, retries, TLS, timeouts, readiness), `errors`
(one exception type, classified once, with secrets redacted) and `endpoints` (each kind's calls as a table, and
LiteLLM's quirks as named adapters beside them). `dynamic_providers.admin_client` assembles them into AdminClient."""

"""The bank and guarantor API (`/api/v1`, issue 16): a Starlette app inside the site's server.

- config.py: issuer, audience, rate limits per organisation (metadata.yml `plugins: api:`).
- quota.py: the per-token request and screening-item quotas, counted in the state store.
- service.py: what one server process holds (token verifier, quotas, audit log, matcher, feed).
- app.py: the routes; openapi.py: their OpenAPI 3.1 description.

Authentication happens before any of this, in publish/plugins/auth.py (the one module of
authentication and permissions); the routes only check the scope they need.
"""

"""OpenAPI details drf-spectacular cannot infer: the bearer scheme and the scope each operation needs."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from .scopes import SCOPES


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        scopes = "\n".join(f"- `{s}`: {why}" for s, (_, why) in SCOPES.items())
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "trk_…",
            "description": f"An API token from the dashboard or `manage.py issue_api_token`. Scopes:\n{scopes}",
        }


class ScopedAutoSchema(AutoSchema):
    def get_auth(self):
        # super() also registers the bearer scheme under components.securitySchemes: without that entry,
        # Swagger UI shows no Authorize button and "Try it out" goes out without a token.
        default = super().get_auth()
        scopes = getattr(self.view, "required_scopes", None)
        if scopes is None:
            return default
        scope = scopes.get(self.method) or scopes.get("*")
        return [{"bearerAuth": [scope]}]

    def get_description(self):
        scopes = getattr(self.view, "required_scopes", None)
        description = super().get_description() or ""
        if scopes and (scope := scopes.get(self.method) or scopes.get("*")):
            description = f"{description}\n\nScope: `{scope}`.".strip()
        return description

"""GET /api/v2/sandbox/modules: the npm packages and versions scripts may require, and Node's built-ins.

The same data as the dashboard's "Can I require?" page (scriptd_client.catalog.listing()).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from scriptd_client import catalog

from .identity_views import flow_errors


class SandboxModulesView(APIView):
    required_scopes = {"GET": "read:connections"}

    @extend_schema(
        operation_id="sandbox_modules_list",
        summary="List the modules scripts may require",
        description="`packages`: each npm package with the exact versions served (ascending), the `default` a bare "
        "`require('name')` gets, `added` (versions an operator added), `subpaths` (`require('name/sub')`), and how "
        "to pin. `require('name@range')` gets the newest listed version satisfying the range; never another major. "
        "`builtins`: Node's built-in modules; `refused`: modules scripts cannot require, with the reason.",
        responses={200: OpenApiResponse(description="The catalog."), **flow_errors()},
    )
    def get(self, request):
        return Response(catalog.listing())

"""Request and response examples for the main operations, shown by Swagger UI at /api/docs/ ("Try it out")."""

from drf_spectacular.utils import OpenApiExample

LOGIN = (
    "function login(email, password, callback) {\n"
    "  request.post({ url: configuration.API_URL + '/login', json: { email: email, password: password } },\n"
    "    function (err, response, body) {\n"
    "      if (err) return callback(err);\n"
    "      if (response.statusCode === 401) return callback(new WrongUsernameOrPasswordError(email));\n"
    "      callback(null, { user_id: 'legacy-db|' + body.id, email: body.email });\n"
    "    });\n}"
)

CONNECTION_CREATE = OpenApiExample(
    "A legacy database behind a REST API",
    request_only=True,
    value={
        "name": "legacy-db",
        "strategy": "auth0",
        "options": {
            "enabledDatabaseCustomization": True,
            "import_mode": True,
            "customScripts": {"login": LOGIN},
            "configuration": {"API_URL": "https://legacy.example.com", "API_TOKEN": "s3cr3t"},
            "trickle_egress_allowlist": ["legacy.example.com:443"],
        },
    },
)

CONNECTION_READ = OpenApiExample(
    "A connection (configuration values masked)",
    response_only=True,
    status_codes=["200", "201"],
    value={
        "id": "con_Z1EXXiUlsF28qGi0",
        "name": "legacy-db",
        "strategy": "auth0",
        "options": {
            "enabledDatabaseCustomization": True,
            "import_mode": True,
            "customScripts": {"login": LOGIN},
            "configuration": {"API_URL": "••••••••", "API_TOKEN": "••••••••"},
            "trickle_egress_allowlist": ["legacy.example.com:443"],
        },
    },
)

CONNECTION_UPDATE = OpenApiExample(
    "Rotate one configuration value, remove another",
    request_only=True,
    value={
        "options": {"enabledDatabaseCustomization": True, "configuration": {"API_TOKEN": "n3w-s3cr3t", "OLD_KEY": None}}
    },
)

SCRIPT_RUN_CREATE = OpenApiExample(
    "Try an unsaved login script",
    request_only=True,
    value={"script": "login", "args": {"email": "ada@example.com", "password": "pa55word"}, "code": LOGIN},
)

SCRIPT_RUN_QUEUED = OpenApiExample(
    "Queued",
    response_only=True,
    status_codes=["202"],
    value={"id": "0b7f4a52-5d7e-4d0e-9f4e-6f2c7a1f3b11", "script": "login", "status": "queued"},
)

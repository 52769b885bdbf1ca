"""The seven action scripts: the one place that says what each is called, takes and does.

The editor, the lint, the Try panel, the API and the runtime all read this module, so a script's
signature or role is never written down twice. Facts follow custom-db-spec.md sections 1 and 7.
"""

from dataclasses import dataclass

MIGRATION = "migration"
LEGACY = "legacy"
MANAGED = "managed"


@dataclass(frozen=True)
class ScriptSpec:
    key: str  # Auth0's options.customScripts key
    title: str
    function_names: tuple[str, ...]  # the first is the one our templates use; the others are Auth0's
    parameters: tuple[str, ...]  # before the optional `context` and the final `callback`
    summary: str
    enables: str  # the feature this script switches on in legacy mode
    used_in_migration: bool
    required_in_legacy: bool = False
    returns_profile: bool = False  # login and get_user answer with a user profile
    password_parameter: str = ""  # the parameter that is (or, for create, holds) a plain-text password

    def signature(self, *, context: bool = False) -> tuple[str, ...]:
        """Every parameter the function receives, in order."""
        return (*self.parameters, *(("context",) if context else ()), "callback")

    def passwords(self, args: list) -> list[str]:
        """The plain-text passwords among a run's positional arguments (masked in everything it produces)."""
        if not self.password_parameter:
            return []
        index = self.parameters.index(self.password_parameter)
        value = args[index] if index < len(args) else None
        if isinstance(value, dict):  # create's user object holds it
            value = value.get("password")
        return [value] if isinstance(value, str) and value else []


SCRIPTS: tuple[ScriptSpec, ...] = (
    ScriptSpec(
        key="login",
        title="Login",
        function_names=("login",),
        parameters=("userNameOrEmail", "password"),
        summary="Checks a user's credentials against your database and answers with the user's profile.",
        enables="logging in",
        used_in_migration=True,
        required_in_legacy=True,
        returns_profile=True,
        password_parameter="password",
    ),
    ScriptSpec(
        key="get_user",
        title="Get User",
        function_names=("getUser", "getByEmail"),
        parameters=("email",),
        summary="Looks a user up by email and answers with the profile, or nothing when there is none.",
        enables="sign-up, changing email and changing or resetting a password",
        used_in_migration=True,
        returns_profile=True,
    ),
    ScriptSpec(
        key="create",
        title="Create",
        function_names=("create",),
        parameters=("user",),
        summary="Stores a new user (email, password, username, metadata) in your database at sign-up.",
        enables="sign-up",
        used_in_migration=False,
        password_parameter="user",
    ),
    ScriptSpec(
        key="verify",
        title="Verify",
        function_names=("verify",),
        parameters=("email",),
        summary="Marks a user's email address as verified in your database.",
        enables="email verification",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="change_password",
        title="Change Password",
        function_names=("changePassword",),
        parameters=("email", "newPassword"),
        summary="Replaces a user's password hash in your database.",
        enables="changing and resetting passwords",
        used_in_migration=False,
        password_parameter="newPassword",
    ),
    ScriptSpec(
        key="delete",
        title="Delete",
        function_names=("deleteUser", "remove"),
        parameters=("id",),
        summary="Removes a user from your database (the id is the user_id login returned).",
        enables="deleting users",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="change_email",
        title="Change Email",
        function_names=("changeEmail",),
        parameters=("email", "newEmail", "verified"),
        summary="Replaces a user's email address (and its verified flag) in your database.",
        enables="changing email addresses",
        used_in_migration=False,
    ),
)

SCRIPT_KEYS: tuple[str, ...] = tuple(s.key for s in SCRIPTS)
BY_KEY: dict[str, ScriptSpec] = {s.key: s for s in SCRIPTS}

# Auth0 advises at most 100 kB per script (latency); above 512 kB we refuse to store it at all.
SIZE_FINDING_BYTES = 100 * 1024
SIZE_LIMIT_BYTES = 512 * 1024


@dataclass(frozen=True)
class ScriptRole:
    label: str
    tone: str  # a Bootstrap colour name for the badge
    note: str


def script_role(spec: ScriptSpec, mode: str) -> ScriptRole:
    """How the connection's mode uses this script, in words for the editor's markers."""
    if mode == MIGRATION:
        if spec.used_in_migration:
            return ScriptRole("In use", "primary", f"Automatic migration runs this script: {spec.summary}")
        return ScriptRole(
            "Kept, unused",
            "secondary",
            "Automatic migration only runs Login and Get User; this script is kept but not run.",
        )
    if mode == LEGACY:
        if spec.required_in_legacy:
            return ScriptRole("Required", "danger", f"Legacy authentication cannot work without it. {spec.summary}")
        return ScriptRole("Optional", "info", f"Enables {spec.enables}. {spec.summary}")
    return ScriptRole("Not run", "secondary", "“Use my own database” is off, so no script runs until you turn it on.")


def metadata_for_editor(*, mode: str, context: bool) -> list[dict]:
    """The scripts' facts as JSON for the browser (tabs, markers and the live lint)."""
    return [
        {
            "key": s.key,
            "title": s.title,
            "functionNames": list(s.function_names),
            "signature": list(s.signature(context=context)),
            "summary": s.summary,
            "returnsProfile": s.returns_profile,
            "role": vars(script_role(s, mode)),
            "passwordParameterIndex": s.parameters.index(s.password_parameter) if s.password_parameter else None,
        }
        for s in SCRIPTS
    ]

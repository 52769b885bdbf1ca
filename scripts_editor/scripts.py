"""The seven action scripts: the one place that says what each is called, takes and does.

The editor, the lint, the Try panel, the API, the runtime and scriptd (told with each request) all read
this module, so a script's signature, argument shapes or role is never written down twice. Facts follow
custom-db-spec.md sections 1 and 7.
"""

from dataclasses import dataclass
from typing import Any

MIGRATION = "migration"
LEGACY = "legacy"
MANAGED = "managed"

# The shapes an argument (or a field of create's `user`) takes; the Try form and the API check them.
TEXT = "text"
PASSWORD = "password"  # text that is never stored or shown
BOOLEAN = "boolean"
OBJECT = "object"  # a JSON object (metadata)
USER = "user"  # the user object create receives (USER_FIELDS)


@dataclass(frozen=True)
class Parameter:
    name: str  # as Auth0's signature names it
    label: str  # how the Try form asks for it
    shape: str = TEXT
    key: str = ""  # the Try panel's and the API's argument key, where it differs from `name`

    @property
    def argument_key(self) -> str:
        """The key Try runs take this argument under: a public contract (README, "Try panel endpoints")."""
        return self.key or self.name


@dataclass(frozen=True)
class UserField:
    name: str
    shape: str
    label: str = ""  # how the Try form asks for it; empty: the form leaves it out
    optional: bool = False  # the Try form may leave it empty
    required: bool = False  # a Try run without it is refused


# The fields of the `user` object create receives (custom-db-spec.md section 1).
USER_FIELDS: tuple[UserField, ...] = (
    UserField("email", TEXT, "Email", required=True),
    UserField("password", PASSWORD, "Password"),
    UserField("username", TEXT, "Username", optional=True),
    UserField("user_metadata", OBJECT, "user_metadata (JSON)", optional=True),
    UserField("app_metadata", OBJECT, "app_metadata (JSON)", optional=True),
    UserField("email_verified", BOOLEAN),
    UserField("phone_number", TEXT),
)


@dataclass(frozen=True)
class ScriptSpec:
    key: str  # Auth0's options.customScripts key
    title: str
    function_names: tuple[str, ...]  # the first is the one our templates use; the others are Auth0's
    parameters: tuple[Parameter, ...]  # before the optional `context` and the final `callback`
    summary: str
    enables: str  # the feature this script switches on in legacy mode
    used_in_migration: bool
    required_in_legacy: bool = False
    returns_profile: bool = False  # login and get_user answer with a user profile

    def signature(self, *, context: bool = False) -> tuple[str, ...]:
        """Every parameter the function receives, in order."""
        return (*(p.name for p in self.parameters), *(("context",) if context else ()), "callback")

    @property
    def argument_keys(self) -> tuple[str, ...]:
        return tuple(p.argument_key for p in self.parameters)

    @property
    def password_paths(self) -> tuple[tuple[int | str, ...], ...]:
        """Where the arguments carry a plain-text password: (parameter index,) or (index, user field)."""
        paths: list[tuple[int | str, ...]] = []
        for index, parameter in enumerate(self.parameters):
            if parameter.shape == PASSWORD:
                paths.append((index,))
            elif parameter.shape == USER:
                paths += [(index, f.name) for f in USER_FIELDS if f.shape == PASSWORD]
        return tuple(paths)

    @property
    def password_parameter_index(self) -> int | None:
        """The parameter that is (or, for create, holds) a plain-text password."""
        return self.password_paths[0][0] if self.password_paths else None

    def for_scriptd(self) -> dict[str, Any]:
        """What scriptd is told about the script with each run: it knows no script kinds of its own."""
        return {"kind": self.key, "function_names": self.function_names}

    def passwords(self, args: list) -> list[str]:
        """The plain-text passwords among a run's positional arguments (masked in everything it produces)."""
        found = []
        for index, *inside in self.password_paths:
            value = args[index] if index < len(args) else None
            for key in inside:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str) and value:
                found.append(value)
        return found


SCRIPTS: tuple[ScriptSpec, ...] = (
    ScriptSpec(
        key="login",
        title="Login",
        function_names=("login",),
        parameters=(
            Parameter("userNameOrEmail", "Username or email", key="email"),
            Parameter("password", "Password", PASSWORD),
        ),
        summary="Checks a user's credentials against your database and answers with the user's profile.",
        enables="logging in",
        used_in_migration=True,
        required_in_legacy=True,
        returns_profile=True,
    ),
    ScriptSpec(
        key="get_user",
        title="Get User",
        function_names=("getUser", "getByEmail"),
        parameters=(Parameter("email", "Email"),),
        summary="Looks a user up by email and answers with the profile, or nothing when there is none.",
        enables="sign-up, changing email and changing or resetting a password",
        used_in_migration=True,
        returns_profile=True,
    ),
    ScriptSpec(
        key="create",
        title="Create",
        function_names=("create",),
        parameters=(Parameter("user", "User", USER),),
        summary="Stores a new user (email, password, username, metadata) in your database at sign-up.",
        enables="sign-up",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="verify",
        title="Verify",
        function_names=("verify",),
        parameters=(Parameter("email", "Email"),),
        summary="Marks a user's email address as verified in your database.",
        enables="email verification",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="change_password",
        title="Change Password",
        function_names=("changePassword",),
        parameters=(Parameter("email", "Email"), Parameter("newPassword", "New password", PASSWORD)),
        summary="Replaces a user's password hash in your database.",
        enables="changing and resetting passwords",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="delete",
        title="Delete",
        function_names=("deleteUser", "remove"),
        parameters=(Parameter("id", "User id (as login returned it)"),),
        summary="Removes a user from your database (the id is the user_id login returned).",
        enables="deleting users",
        used_in_migration=False,
    ),
    ScriptSpec(
        key="change_email",
        title="Change Email",
        function_names=("changeEmail",),
        parameters=(
            Parameter("email", "Current email"),
            Parameter("newEmail", "New email"),
            Parameter("verified", "The new email is verified", BOOLEAN),
        ),
        summary="Replaces a user's email address (and its verified flag) in your database.",
        enables="changing email addresses",
        used_in_migration=False,
    ),
)

SCRIPT_KEYS: tuple[str, ...] = tuple(s.key for s in SCRIPTS)
BY_KEY: dict[str, ScriptSpec] = {s.key: s for s in SCRIPTS}


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
            "passwordParameterIndex": s.password_parameter_index,
        }
        for s in SCRIPTS
    ]

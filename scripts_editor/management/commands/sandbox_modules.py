"""`python manage.py sandbox_modules add NAME@VERSION [--tarball FILE] [--default] | list | remove NAME@VERSION`.

Adds npm packages to the sandbox's module catalog (scriptd_client/module_admin.py): installed under
var/sandbox-modules, bundled, and loaded in a throwaway isolate before scriptd serves them.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scriptd_client import catalog, module_admin


class Command(BaseCommand):
    help = "Add, list or remove npm packages scripts may require (the sandbox's module catalog)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="install NAME@VERSION from the npm registry (or --tarball) and check it loads")
        add.add_argument("spec", metavar="NAME@VERSION")
        add.add_argument(
            "--tarball", type=Path, default=None, help="a package tarball (npm pack) instead of the registry"
        )
        add.add_argument("--default", action="store_true", help="make it what a bare require('NAME') gets")
        sub.add_parser("list", help="every package and version served; operators' additions marked")
        remove = sub.add_parser("remove", help="remove a version an operator added")
        remove.add_argument("spec", metavar="NAME@VERSION")

    def handle(self, *args, action, **options):
        try:
            if action == "add":
                added = module_admin.add(options["spec"], tarball=options["tarball"], make_default=options["default"])
                self.stdout.write(
                    f"added {added.name}@{added.version}: scripts require('{added.name}@{added.version}')"
                    f" (a bare require('{added.name}') gets {added.default}); scriptd serves it now"
                )
            elif action == "remove":
                module_admin.remove(options["spec"])
                self.stdout.write(f"removed {options['spec']}")
            else:
                for name, pkg in catalog.packages().items():
                    versions = ", ".join(
                        f"{v}{' (default)' if v == pkg['default'] else ''}{' (added)' if v in pkg['added'] else ''}"
                        for v in pkg["versions"]
                    )
                    self.stdout.write(f"{name}: {versions}")
        except module_admin.ModuleAdminError as e:
            raise CommandError(str(e)) from e

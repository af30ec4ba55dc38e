"""The management commands that may run on a worker (``--queue``, ``annotations.run_management_command``).

Whoever can put a message on the broker, or a staff user editing a beat schedule,
chooses the task's arguments: a task that ran any command (``shell -c …``,
``createsuperuser``, ``flush``) would run any code on the server. Only the platform's
own operator commands are listed, by name. Left out on purpose: ``create_demo`` (users
with known passwords, an administrator among them) and ``add_member`` (it grants
access to a project); both finish in a moment and have no reason to be queued.
"""

QUEUEABLE_COMMANDS: frozenset[str] = frozenset(
    {
        "agreement",
        "assign_reads",
        "create_center",
        "create_project",
        "export_labelset",
        "flush_task_outbox",
        "import_labels",
        "import_mosaics",
        "make_demo_mosaics",
        "prerender_tiles",
        "register_model",
        "verify_labelset",
    }
)


class CommandNotQueueable(ValueError):
    """A command outside ``QUEUEABLE_COMMANDS`` was asked to run on a worker."""

    def __init__(self, name: object) -> None:
        allowed = ", ".join(sorted(QUEUEABLE_COMMANDS))
        super().__init__(f"management command {name!r} may not run on a worker; allowed: {allowed}")


def check_queueable(argv: list[str]) -> None:
    """Raise CommandNotQueueable unless ``argv`` names an allowed command (argv[0])."""
    if not isinstance(argv, list) or not argv or not all(isinstance(word, str) for word in argv):
        raise CommandNotQueueable(argv[0] if isinstance(argv, list) and argv else argv)
    if argv[0] not in QUEUEABLE_COMMANDS:
        raise CommandNotQueueable(argv[0])

import sys
from types import SimpleNamespace

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from workflows import SYSTEM

from ..database import read_only
from ..extensions import db
from .chain import Digest, current_digest
from .checkpoints import AuditLogDamaged, checkpoint_job, newest_anchor, verify_since_checkpoint
from .models import AuditEvent
from .retention import SHREDDERS, shred, shred_due
from .verify import verify

audit_cli = AppGroup("audit", help="Check the tamper-evident audit log; erase personal data at the end of retention.")


@audit_cli.command("verify")
@click.option("--digest", "digest_line", help="A line printed earlier by `flask audit digest`.")
@click.option("--since-checkpoint", is_flag=True,
              help="The routine check: the newest signed checkpoint, then the hashes and links after it.")
def verify_command(digest_line, since_checkpoint):
    """Check every hash, link, sequence, checkpoint and replayed state and
    column (the full check); exit 1 on any problem."""
    if since_checkpoint:
        if digest_line:
            raise click.UsageError("--digest needs the full check")
        _verify_since_checkpoint()
        return
    digest = None
    if digest_line:
        try:
            digest = Digest.parse(digest_line)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--digest")
    # One read-only snapshot: writers go on meanwhile (app/database.py).
    with read_only():
        total = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar()
        with click.progressbar(length=total, label="verifying", file=sys.stderr) as bar:
            problems = verify(digest, progress=bar.update)
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"audit log NOT intact: {len(problems)} problem(s) in {total} events", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {total} events checked")


def _verify_since_checkpoint():
    with read_only():
        _, anchor = newest_anchor(db.session)
        after = anchor.last_id if anchor else 0
        total = db.session.execute(select(func.count()).select_from(AuditEvent).where(AuditEvent.id > after)).scalar()
        with click.progressbar(length=total, label="verifying", file=sys.stderr) as bar:
            problems, _ = verify_since_checkpoint(progress=bar.update)
    for problem in problems:
        click.echo(problem)
    since = f"since the checkpoint after {anchor.events} events" if anchor else "from the first event (no checkpoint)"
    if problems:
        click.echo(f"audit log NOT intact: {len(problems)} problem(s) in {total} events {since}", err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {total} events checked {since}")


@audit_cli.command("checkpoint")
def checkpoint_command():
    """Check the log since the last checkpoint and sign the checkpoints due
    now (every AUDIT_CHECKPOINT_EVERY events), as every tick does; exit 1
    when the check finds a problem (nothing is signed then)."""
    try:
        signed = checkpoint_job(by="cli")
    except AuditLogDamaged as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(f"{signed} audit checkpoint(s) signed")


@audit_cli.command("digest")
def digest_command():
    """Print the event count and head hash; keep it somewhere safe."""
    with read_only():
        click.echo(str(current_digest()))


SHRED_ACTOR = SimpleNamespace(id=None, role=SYSTEM)  # the command's operator: the system, as the timer job


@audit_cli.command("shred")
@click.argument("subject_id", type=click.IntRange(1, 2**31 - 1), required=False)
@click.option("--type", "subject_type", default="dispute", show_default=True,
              help="What SUBJECT_ID names (a case by default).")
@click.option("--reason", help="Why, for the audit event (needed with SUBJECT_ID).")
@click.option("--due", is_flag=True, help="Shred every subject whose retention period has ended.")
def shred_command(subject_id, subject_type, reason, due):
    """Erase a case's personal data for good: blank its parties' ID numbers
    and phones and destroy its key, so that the log's copies cannot be read.
    The chain stays intact. Irreversible."""
    if subject_type not in SHREDDERS:
        raise click.BadParameter(f"one of {', '.join(sorted(SHREDDERS)) or '(none installed)'}",
                                 param_hint="--type")
    if due == (subject_id is not None):
        raise click.UsageError("give either SUBJECT_ID with --reason, or --due")
    if due:
        count = shred_due(subject_type, SHRED_ACTOR, reason or None,
                          on_done=lambda i: click.echo(f"shredded {subject_type} #{i}"))
        click.echo(f"{count} {subject_type}(s) shredded")
        return
    if not (reason or "").strip():
        raise click.UsageError("--reason is needed to shred one subject")
    try:
        done = shred(subject_type, subject_id, SHRED_ACTOR, reason.strip())
    except LookupError as error:
        db.session.rollback()
        click.echo(f"no {subject_type} #{subject_id}: {error}", err=True)
        sys.exit(1)
    db.session.commit()
    if done:
        click.echo(f"shredded {subject_type} #{subject_id}")
    else:
        click.echo(f"{subject_type} #{subject_id} was shredded already")

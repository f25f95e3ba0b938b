"""`qinglang ledger verify|seal|witness|nodes|partitions`: check, seal, witness, index and
partition the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from qinglang.core import ledger, ledger_partitions, ledger_witness
from qinglang.core.services import alert_ledger_integrity


class Command(BaseCommand):
    help = "Verify, seal or witness the append-only ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every leaf, root and signature")
        verify.add_argument(
            "--against",
            metavar="FILE|URL",
            help="an earlier signed checkpoint kept elsewhere (a JSON file, an evidence package, "
            "a witness's or the public checkpoint URL): the log must extend it",
        )
        verify.add_argument(
            "--max-unsealed-age",
            type=float,
            metavar="SECONDS",
            help="fail on events unsealed for longer (default: twice the sealing interval)",
        )
        sub.add_parser("seal", help="seal pending events and sign a checkpoint")
        sub.add_parser(
            "nodes", help="store the Merkle tree nodes of a log sealed before they were kept"
        )
        witness = sub.add_parser(
            "witness", help="serve as a cosigning witness for other Qinglang ledgers"
        )
        witness.add_argument("--dir", required=True, type=Path, help="where to keep checkpoints")
        witness.add_argument("--listen", default="127.0.0.1:8765", help="HOST:PORT")
        witness.add_argument(
            "--trust-key",
            action="append",
            default=[],
            metavar="HEX",
            help="a log signing key to accept (else the first checkpoint's key is pinned)",
        )
        sub.add_parser("send", help="send the latest checkpoint to the configured witnesses")
        partitions = sub.add_parser(
            "partitions",
            help="create the monthly partitions of the events ahead (PostgreSQL; idempotent)",
        )
        partitions.add_argument(
            "--months",
            type=int,
            default=ledger_partitions.MONTHS_AHEAD,
            help="months ahead of this one (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seal":
            self._seal()
            return
        if action == "nodes":
            self.stdout.write(f"Stored {ledger.store_missing_nodes()} tree nodes.")
            return
        if action == "witness":
            self._witness(options)
            return
        if action == "partitions":
            self._partitions(options["months"])
            return
        if action == "send":
            for url, outcome in ledger_witness.send_latest_checkpoint().items():
                self.stdout.write(f"{url}: {outcome}")
            return
        self._verify(options)

    def _seal(self) -> None:
        refused = None
        try:
            checkpoint = ledger.seal_all()
        except ledger.LedgerIntegrityError as exc:
            refused, checkpoint = exc, exc.checkpoint
        if checkpoint is not None:
            self.stdout.write(
                f"Sealed: tree size {checkpoint.tree_size}, "
                f"root {checkpoint.root_hash}, key {checkpoint.key_id}"
            )
        if refused is not None:
            alert_ledger_integrity(refused.problem, source="seal")
            raise CommandError(f"Sealing refused: {refused.problem}")
        if checkpoint is None:
            self.stdout.write("Nothing to seal.")

    def _verify(self, options: dict[str, Any]) -> None:
        against = None
        if options["against"]:
            try:
                against = ledger_witness.load_checkpoint(options["against"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the checkpoint to verify against: {exc}") from exc
        age = options["max_unsealed_age"]
        report = ledger.verify_log(
            against=against,
            max_unsealed_age=dt.timedelta(seconds=age) if age is not None else None,
        )
        if report.ok:
            extra = f" Extends the checkpoint of {against['tree_size']}." if against else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"Ledger OK: {report.events} events, {report.checkpoints} checkpoints "
                    f"verified.{extra}"
                )
            )
            return
        if report.first_bad_event_id is not None:
            self.stderr.write(f"First bad entry: event {report.first_bad_event_id}")
        for problem in report.problems:
            self.stderr.write(problem)
        alert_ledger_integrity(report.problems[0], source="verify")
        raise CommandError(f"Ledger verification FAILED ({len(report.problems)} problems).")

    def _partitions(self, months: int) -> None:
        if months < 0 or months > 120:
            raise CommandError("--months must be between 0 and 120.")
        if not ledger_partitions.is_partitioned():
            self.stdout.write(
                "The ledger's events are not partitioned here (only PostgreSQL is, after "
                "migration core.0009): nothing to do."
            )
            return
        created = ledger_partitions.ensure_partitions(months_ahead=months)
        self.stdout.write(f"Created {len(created)} partitions: {', '.join(created) or '-'}")
        names = ledger_partitions.partition_names()
        self.stdout.write(f"Partitions ({len(names)}): {', '.join(names)}")
        stray = ledger_partitions.default_partition_rows()
        self.stdout.write(f"Events in the default partition: {stray}")

    def _witness(self, options: dict[str, Any]) -> None:
        host, _, port = options["listen"].rpartition(":")
        try:
            keys = [bytes.fromhex(k) for k in options["trust_key"]]
            witness = ledger_witness.Witness(options["dir"], trusted_keys=keys)
            server = ledger_witness.make_server(witness, host or "127.0.0.1", int(port))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot start the witness: {exc}") from exc
        self.stdout.write(
            f"Witness {witness.key_id} (public key {witness.public_key.hex()}) on "
            f"http://{host or '127.0.0.1'}:{server.server_address[1]}/<log>/add-checkpoint"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

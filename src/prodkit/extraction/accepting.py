"""``prodkit extract --accept IDS``: candidate rows appended to the ledger, after a backup of it.

The one place where prodkit writes into the raw folder, and only when told
which rows: the ledger is copied to ``claims.csv.<UTC time>.bak`` first, the
new file is written beside it and swapped in at once, and only the ledger's
own columns are written (what extraction guessed goes into the note).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..errors import InputError, UsageError, problem


def _read_csv(path: Path, label: str) -> tuple[str, list[str], list[dict]]:
    from ..ledger.encodings import decode

    if not path.is_file():
        raise InputError(f"{label} does not exist", problems=[problem("file-missing", file=label)])
    text = decode(path.read_bytes(), label)
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return text, list(reader.fieldnames or []), rows


def accept_rows(ids: list[str], candidates: Path, raw_dir: Path) -> tuple[list[dict], Path]:
    from ..ledger import display_path

    wanted = [i.strip() for part in ids for i in part.split(",") if i.strip()]
    if not wanted:
        raise UsageError("No candidate ids to accept.", hint="Give the claim_ids of candidates.csv: "
                         "`prodkit extract --accept x-thesis-38-160,x-thesis-38-193`.")
    label = display_path(candidates)
    _, _, rows = _read_csv(candidates, label)
    by_id = {r.get("claim_id", ""): (n, r) for n, r in enumerate(rows, start=2)}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise UsageError(f"{len(unknown)} id(s) are not candidates in {label}: {', '.join(unknown[:5])}",
                         hint="Copy the claim_id column of the candidates file exactly.",
                         problems=[problem("candidate-unknown", file=label, field="claim_id", value=i)
                                   for i in unknown])
    ledger = raw_dir / "claims.csv"
    ledger_label = display_path(ledger)
    text, header, existing = _read_csv(ledger, ledger_label)
    have = {r.get("claim_id", "").strip() for r in existing}
    again = [i for i in wanted if i in have]
    if again:
        raise UsageError(f"{len(again)} id(s) are already claims in {ledger_label}: {', '.join(again[:5])}",
                         hint="Accept each candidate once; rename the claim_id in the candidates file to add a "
                              "second claim from the same figure.",
                         problems=[problem("candidate-accepted-already", file=label, line=by_id[i][0],
                                           field="claim_id", value=i) for i in again])
    appended = []
    for i in dict.fromkeys(wanted):
        row = dict(by_id[i][1])
        extra = "; ".join(x for x in (f"accepted from {label}", f"cue: {row.get('cue', '')}",
                                      f"guessed: {row.get('guessed', '')}" if row.get("guessed") else "") if x)
        row["note"] = "; ".join(x for x in (row.get("note", ""), extra) if x)
        appended.append({c: row.get(c, "") for c in header})
    newline = "\r\n" if "\r\n" in text[:4096] else "\n"
    buf = io.StringIO()
    csv.DictWriter(buf, header, lineterminator=newline).writerows(appended)
    body = text if text.endswith(("\n", "\r")) or not text else text + newline
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    backup = ledger.with_name(f"{ledger.name}.{stamp}.bak")
    shutil.copy2(ledger, backup)
    fd, tmp = tempfile.mkstemp(prefix=".claims.csv.", dir=ledger.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(body + buf.getvalue())
        os.replace(tmp, ledger)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return appended, backup

"""The archive page's scanner: the same scan and the same HTML report as `postcheck scan`.

Judgement and reading stay in `postcheck.scan` and `postcheck.sources`; this module only
adapts them to a background job (progress, the person's file name instead of our temporary
path, a one-line error for an archive that cannot be read).
"""

from __future__ import annotations

import io
from pathlib import Path

from postcheck.web.jobs import Progress, ScanInputError

#: Posts listed in the web report, worst first; the counts always cover every post.
REPORT_LIMIT = 2000


def scan_upload(
    path: Path, filename: str, progress: Progress, processes: int = 1
) -> tuple[str, dict[str, object]]:
    """Scan one uploaded export and render the scan HTML report.

    One process by default: the server is already multi-threaded, and forking a pool from
    it would copy locks other threads may hold; an archive of thousands of posts takes
    seconds on one core."""
    from postcheck.report.scan_html import render_html
    from postcheck.scan import scan

    progress.update(stage="checking posts")

    def on_progress(n: int, _label: str) -> None:
        progress.update(done=n)

    result = scan([path], processes=processes, progress=on_progress)
    try:
        for src in result.sources:
            # The report names the person's file, not our temporary path.
            if src.error:
                src.error = src.error.replace(str(path), filename).replace(path.name, filename)
            src.path = filename
        if all(s.error for s in result.sources) and not result.summary.posts:
            raise ScanInputError("; ".join(s.error or "" for s in result.sources))
        progress.update(
            done=result.summary.posts, total=result.summary.posts, stage="writing the report"
        )
        out = io.StringIO()
        render_html(result, out, REPORT_LIMIT)
        summary: dict[str, object] = {
            "posts": result.summary.posts,
            "listed": result.summary.kept,
            "worst": result.worst.value,
        }
        return out.getvalue(), summary
    finally:
        result.close()

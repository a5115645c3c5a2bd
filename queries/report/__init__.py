"""`conveyor report`: one self-contained HTML investigation report for a colony, a company or a person
(gather.py collects it, html.py writes it)."""

from .gather import STATEMENTS, Report, ReportSettings, build_report
from .html import render_report, write_report

__all__ = ["STATEMENTS", "Report", "ReportSettings", "build_report", "render_report", "write_report"]

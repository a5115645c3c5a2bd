"""The report's inline style sheet: readable on screen, and printable to PDF (no clipped tables, a page
break before each section, the interactive network replaced by a note)."""

CSS = """
:root { --ink: #1d1d1f; --muted: #5b5b66; --line: #d6d6de; --warn: #8b0000; --soft: #f6f6f9; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 60px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p, li { max-width: 900px; }
.muted { color: var(--muted); }
.banner { border: 2px solid var(--warn); color: var(--warn); background: #fff4f4; padding: 10px 14px;
          font-weight: 600; margin: 12px 0; }
.box { background: var(--soft); border: 1px solid var(--line); padding: 10px 14px; margin: 10px 0; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
td code, td a { word-break: break-all; }
th { background: var(--soft); }
h4 { font-size: 14px; margin: 10px 0 4px; }
td.nw { white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 6px 0 12px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.route { border: 1px solid var(--line); border-left: 5px solid #d9534f; padding: 8px 12px; margin: 14px 0; }
.route.direct { border-left-color: #337ab7; }
.route h3 { margin-top: 4px; }
.switch { color: var(--warn); font-weight: 600; }
.tag { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 3px; background: #eee; }
.tag.sanction { background: #8b0000; color: #fff; }
.tag.ended { background: #999; color: #fff; }
.tag.synthetic { background: #fff4f4; color: var(--warn); border: 1px solid var(--warn); }
.network-frame { width: 100%; height: 820px; border: 1px solid var(--line); }
.print-only { display: none; }
nav ol { columns: 2; max-width: 700px; }
code { font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  @page { margin: 14mm 12mm; }
  section { break-before: page; }
  section.first { break-before: avoid; }
  nav, .network-frame, .no-print { display: none !important; }
  .print-only { display: block !important; }
  table { font-size: 8.5pt; table-layout: auto; }
  th, td { overflow-wrap: anywhere; }  /* a long unbroken value wraps rather than widening the table */
  thead { display: table-header-group; }
  tr, dl.facts, .box, .banner { break-inside: avoid; }
  .route { break-inside: auto; }
  .route h3, h2, h3, h4 { break-after: avoid; }
  a { color: inherit; }
  a[href^="http"]::after { content: " <" attr(href) ">"; font-size: 8pt; overflow-wrap: anywhere; }
}
"""

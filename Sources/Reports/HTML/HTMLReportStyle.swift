/// The report's one style sheet, inline: system fonts only, nothing fetched.
enum HTMLReportStyle {
    static let css: StaticString = """
    :root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #d9dee7; --accent: #2f5fb3; --bad: #b42318; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
    header { background: #1d2330; color: #fff; padding: 16px 24px 10px; }
    header h1 { margin: 0 0 8px; font-size: 20px; font-weight: 600; word-break: break-all; }
    nav a { color: #c9d6ee; margin-right: 14px; text-decoration: none; font-size: 13px; }
    nav a.off { color: #8a93a6; text-decoration: line-through; }
    section { background: #fff; margin: 16px 24px; padding: 12px 18px 16px; border: 1px solid var(--line); border-radius: 6px; }
    h2 { font-size: 17px; margin: 2px 0 10px; }
    h3 { font-size: 14px; margin: 14px 0 6px; }
    p.note { color: var(--muted); margin: 6px 0; }
    .bad { color: var(--bad); font-weight: 600; }
    table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
    th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #eef0f4; vertical-align: top; }
    th { color: var(--muted); font-weight: 600; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td { overflow-wrap: break-word; }
    td.num { white-space: nowrap; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
    dl.facts dt { color: var(--muted); }
    dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-all; }
    svg { display: block; width: 100%; height: auto; margin: 6px 0 10px; font: 11px system-ui, sans-serif; }
    svg rect { stroke: #fff; stroke-width: 0.6; }
    svg text { fill: #1d2330; pointer-events: none; }
    svg text.caption { font-weight: 600; }
    details { margin: 3px 0; }
    summary { cursor: pointer; }
    ul.stack { list-style: none; margin: 4px 0 8px; padding-left: 16px; font: 12px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; }
    ul.stack li { white-space: pre-wrap; overflow-wrap: anywhere; }
    .inlined { color: #9a6700; }
    .dim { color: var(--muted); }
    footer { color: var(--muted); font-size: 12px; margin: 0 24px 24px; }
    """
}

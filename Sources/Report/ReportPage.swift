import Foundation

/// One self-contained HTML page: inline CSS, inline SVG, no scripts and no external resources,
/// so it can be mailed, archived or opened offline.
public struct ReportPage {
    public var title: String
    /// Lines shown under the title (what was read, when, by which version).
    public var notes: [String]
    private var sections: [String] = []

    public init(title: String, notes: [String] = []) {
        self.title = title
        self.notes = notes
    }

    /// Adds a section; `body` is HTML (figures, tables, `missing` notes).
    public mutating func section(id: String, title: String, intro: String? = nil, body: [String]) {
        var html = "<section id=\"\(SVG.escape(id))\">\n<h2>\(SVG.escape(title))</h2>\n"
        if let intro { html += "<p class=\"intro\">\(SVG.escape(intro))</p>\n" }
        html += body.joined(separator: "\n")
        sections.append(html + "\n</section>")
    }

    /// A plot with its caption (and optional HTML legend).
    public static func figure(_ svg: String, caption: String, legend: String? = nil) -> String {
        let key = legend.map { "<div class=\"legend\">\($0)</div>" } ?? ""
        return "<figure>\(svg)<figcaption>\(SVG.escape(caption))\(key)</figcaption></figure>"
    }

    /// A row of figures.
    public static func row(_ figures: [String], heading: String? = nil) -> String {
        let title = heading.map { "<h3>\(SVG.escape($0))</h3>\n" } ?? ""
        return title + "<div class=\"figures\">\n" + figures.joined(separator: "\n") + "\n</div>"
    }

    /// A note that a section's inputs were not found, saying what was looked for.
    public static func missing(_ text: String) -> String {
        "<p class=\"missing\">\(SVG.escape(text))</p>"
    }

    /// A table of `columns` and `rows` (at most `maxRows`, with a note of how many were left out).
    public static func table(columns: [String], rows: [[String]], caption: String? = nil, maxRows: Int = 60) -> String {
        var html = "<table>"
        if let caption { html += "<caption>\(SVG.escape(caption))</caption>" }
        html += "<thead><tr>" + columns.map { "<th>\(SVG.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows.prefix(maxRows) {
            html += "<tr>" + row.map { "<td>\(SVG.escape($0))</td>" }.joined() + "</tr>"
        }
        html += "</tbody></table>"
        if rows.count > maxRows { html += "<p class=\"note\">\(rows.count - maxRows) more rows not shown.</p>" }
        return html
    }

    /// The page.
    public func html() -> String {
        let noteLines = notes.map { "<p class=\"note\">\(SVG.escape($0))</p>" }.joined(separator: "\n")
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(SVG.escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 0; background: #fff; color: #222; }
        main { width: 1120px; margin: 0 auto; padding: 16px 20px 40px; }
        h1 { font-size: 22px; margin: 8px 0 4px; }
        h2 { font-size: 18px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 28px; }
        h3 { font-size: 14px; margin: 16px 0 6px; color: #444; }
        .figures { display: flex; flex-wrap: wrap; gap: 10px; }
        figure { margin: 0; }
        .pair { display: flex; gap: 4px; border: 1px solid #e4e4e4; padding: 4px; }
        figcaption { font-size: 11px; color: #555; max-width: 320px; }
        .legend { margin-top: 2px; }
        .key { margin-right: 10px; white-space: nowrap; }
        .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
        .missing { background: #f4f4f4; border-left: 4px solid #999; padding: 6px 10px; color: #444; }
        .note, .intro { font-size: 12px; color: #555; }
        table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
        caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
        th { background: #f0f0f0; }
        </style>
        </head>
        <body>
        <main>
        <h1>\(SVG.escape(title))</h1>
        \(noteLines)
        \(sections.joined(separator: "\n"))
        </main>
        </body>
        </html>

        """
    }
}

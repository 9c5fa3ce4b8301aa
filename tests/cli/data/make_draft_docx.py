#!/usr/bin/env python3
"""Write draft.docx, the .docx fixture of the CLI tests, with python-docx
(Debian: python3-docx), whose default template is a document Word saved:
[Content_Types].xml, package and document relationships, styles, settings,
theme, font table and document properties, as Word writes them. The tests
read the committed file; this script is how it was made:

    /usr/bin/python3 tests/cli/data/make_draft_docx.py tests/cli/data/draft.docx
"""
import datetime
import sys

import docx
from docx.enum.text import WD_BREAK

doc = docx.Document()
props = doc.core_properties
props.author = "shai tests"
props.title = "草稿"
props.created = props.modified = datetime.datetime(2026, 12, 5, 0, 0, 0)
props.last_modified_by = "shai tests"
props.revision = 1

doc.add_heading("草稿：一篇待审的文章", level=1)               # line 1
p = doc.add_paragraph("他在网上")                              # line 2
p.add_run("赌场").bold = True
p.add_run("输了钱。")
p = doc.add_paragraph("价格")                                  # line 3
p.add_run().add_tab()
p.add_run("可以代开发票")
doc.add_paragraph()                                            # line 4, empty
p = doc.add_paragraph("第一行")                                # line 5
p.add_run().add_break(WD_BREAK.LINE)
p.add_run("全网第一的产品")
table = doc.add_table(rows=1, cols=2)                          # lines 6, 7
table.cell(0, 0).text = "表格"
table.cell(0, 1).text = "网上赌场的广告"
doc.add_paragraph("&#36172;&#21338; 在 .docx 里是文字，不是字符引用。")  # line 8
doc.save(sys.argv[1])

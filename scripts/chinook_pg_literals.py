#!/usr/bin/python3
"""Copies Chinook_PostgreSql.sql to stdout with N'...' literals written as plain '...' literals.

In PostgreSQL N'...' is a character(n) (bpchar) literal, and bpchar drops trailing blanks when it is
stored in a varchar column: 'Edinburgh ' would arrive as 'Edinburgh', unlike the SQLite and MySQL
copies of the same data. Only an N that starts a literal (outside any string) is removed."""
import sys

text = open(sys.argv[1], encoding="utf-8").read()
out = []
i, in_string = 0, False
while i < len(text):
    c = text[i]
    if in_string:
        out.append(c)
        if c == "'":
            if i + 1 < len(text) and text[i + 1] == "'":  # '' is a quote inside the string
                out.append("'")
                i += 1
            else:
                in_string = False
    elif c == "'":
        in_string = True
        out.append(c)
    elif c in "Nn" and i + 1 < len(text) and text[i + 1] == "'" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
        pass  # drop the N: the quote that follows starts a plain literal
    else:
        out.append(c)
    i += 1
sys.stdout.write("".join(out))

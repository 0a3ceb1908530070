/* CSV (RFC 4180) from report rows: a header row of column names, then
 * one line per row, CRLF line ends, fields quoted when they hold a comma,
 * a quote or a line break. A text field that a spreadsheet would take for
 * a formula (it starts with =, +, -, @, a tab or a CR and is no plain
 * decimal number such as "-1.500000") is quoted with a single quote
 * before it; numbers, negative ones too, are written as they are. */
#ifndef DRAGOMAN_CSV_H
#define DRAGOMAN_CSV_H

#include <json-c/json.h>
#include <stddef.h>

/* Renders the JSON objects of array rows, the members named by columns
 * (a NULL-terminated list) in that order: strings as they are, numbers
 * and booleans as JSON writes them, null or missing as an empty field.
 * Returns a new NUL-terminated text (caller frees) or NULL when out of
 * memory. */
char *csv_render(const char *const *columns, struct json_object *rows);

#endif

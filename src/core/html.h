/* What of an HTML fragment is text (what gets translated and billed). */
#ifndef DRAGOMAN_HTML_H
#define DRAGOMAN_HTML_H

/* Returns the number of code points of text in the HTML fragment s:
 * tags (<...>, quoted attribute values may hold '>'), comments
 * (<!-- ... -->) and the bodies of <script> and <style> are not text; an
 * entity (&amp; &#233; ...) counts as one character. An unterminated tag
 * or comment ends the text. */
long html_text_length(const char *s);

#endif

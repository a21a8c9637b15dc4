/* The report's HTML page: a growing buffer, escaping, and the document around it (see report.h). The page is
 * self-contained: its style is inline and its figures are files beside it, so it opens without a network. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static void grow(ts_page *pg, size_t more) {
  if (pg->failed || pg->len + more + 1 <= pg->cap)
    return;
  size_t cap = pg->cap ? pg->cap : 16384;
  while (cap < pg->len + more + 1)
    cap *= 2;
  char *t = realloc(pg->text, cap);
  if (!t) {
    pg->failed = 1;
    return;
  }
  pg->text = t;
  pg->cap = cap;
}

static void append(ts_page *pg, const char *s, size_t n) {
  grow(pg, n);
  if (pg->failed)
    return;
  memcpy(pg->text + pg->len, s, n);
  pg->len += n;
  pg->text[pg->len] = '\0';
}

static void vadd(ts_page *pg, const char *fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(NULL, 0, fmt, copy);
  va_end(copy);
  if (n < 0)
    return;
  grow(pg, (size_t)n);
  if (pg->failed)
    return;
  vsnprintf(pg->text + pg->len, (size_t)n + 1, fmt, ap);
  pg->len += (size_t)n;
}

void ts_page_add(ts_page *pg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vadd(pg, fmt, ap);
  va_end(ap);
}

void ts_page_text(ts_page *pg, const char *text) {
  for (const char *s = text; s && *s; s++) {
    switch (*s) {
    case '<': append(pg, "&lt;", 4); break;
    case '>': append(pg, "&gt;", 4); break;
    case '&': append(pg, "&amp;", 5); break;
    case '"': append(pg, "&quot;", 6); break;
    default: append(pg, s, 1);
    }
  }
}

void ts_page_missing(ts_page *pg, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  ts_page_add(pg, "<p class=\"missing\">");
  ts_page_text(pg, buf);
  ts_page_add(pg, "</p>\n");
}

void ts_page_figure(ts_page *pg, const char *name, int width, int height, const char *caption) {
  ts_page_add(pg, "<figure style=\"width:%dpx\"><img src=\"%s.svg\" width=\"%d\" height=\"%d\" alt=\"", width, name,
              width, height);
  ts_page_text(pg, caption);
  ts_page_add(pg, "\"><figcaption>");
  ts_page_text(pg, caption);
  ts_page_add(pg, " <a href=\"%s.png\">PNG</a></figcaption></figure>\n", name);
  pg->n_figures++;
}

void ts_page_free(ts_page *pg) {
  free(pg->text);
  *pg = (ts_page){0};
}

static const char style[] =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;font-size:14px;color:#222;max-width:1700px;margin:1em auto;"
    "padding:0 1em}\n"
    "h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:1.6em}h3{font-size:15px}\n"
    "figure{display:inline-block;vertical-align:top;margin:0.5em 1em 1em 0}\n"
    "figcaption{font-size:12px;color:#444;max-width:820px}\n"
    "table{border-collapse:collapse;margin:0.5em 0 1em}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#f2f2f2}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "p.missing{background:#fff4e0;border-left:4px solid #E69F00;padding:4px 8px}\n"
    "p.note{color:#444}\n";

/* Sets data-figures="ok/total" on the body once the page has loaded, and lists the images that did not render;
 * the test reads it from the DOM of a headless browser. */
static const char check_script[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  var imgs = document.images, ok = 0, bad = [];\n"
    "  for (var i = 0; i < imgs.length; i++) {\n"
    "    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++; else bad.push(imgs[i].getAttribute('src'));\n"
    "  }\n"
    "  document.body.setAttribute('data-figures', ok + '/' + imgs.length);\n"
    "  if (bad.length) document.body.setAttribute('data-broken', bad.join(' '));\n"
    "});\n"
    "</script>\n";

int ts_page_write(const ts_page *pg, const char *path, const char *title, ts_error *err) {
  if (pg->failed)
    return ts_fail(err, TS_E_NOMEM, "out of memory while writing the report");
  FILE *f = fopen(path, "w");
  if (!f)
    return ts_fail(err, TS_E_IO, "%s: cannot write", path);
  ts_page head = {0};
  ts_page_text(&head, title);
  fprintf(f,
          "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n<style>\n%s"
          "</style>\n</head>\n<body>\n",
          head.text ? head.text : "", style);
  ts_page_free(&head);
  fputs(pg->text ? pg->text : "", f);
  fputs(check_script, f);
  fputs("</body>\n</html>\n", f);
  if (ferror(f) | (fclose(f) != 0))
    return ts_fail(err, TS_E_IO, "%s: cannot write", path);
  return 0;
}

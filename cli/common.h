/* Helpers shared by the yinfa commands (cli/common.c). */
#ifndef YINFA_CLI_COMMON_H
#define YINFA_CLI_COMMON_H

#include "yinfa.h"

#include <stdio.h>

enum { EXIT_PROBLEM = 1, EXIT_USAGE = 2 };

/* Set by -q: only errors are printed. */
extern int cli_quiet;

int cli_is_file(const char *p);
int cli_is_dir(const char *p);
/* "a/b". Caller frees. */
char *cli_join(const char *a, const char *b);
int cli_has_suffix(const char *s, const char *suffix);
/* A file or folder of the share tree ($YINFA_HOME, the source tree, the install prefix), or
 * NULL. Caller frees. */
char *cli_find_share(const char *rel);
/* A template argument — a file, a folder holding template.xml, or a bare name of a folder
 * under templates/ — as a path, or NULL. Caller frees. */
char *cli_find_template(const char *arg);
/* The user's own templates folder ($XDG_DATA_HOME/yinfa/templates, by default
 * ~/.local/share/yinfa/templates), whether it exists or not; NULL without a home. Caller frees. */
char *cli_user_templates(void);
/* A context with the project's font roles and $YINFA_FONTS_CONF (or `fonts_conf`). */
/* A context for the roles and fonts; its PDFs dated SOURCE_DATE_EPOCH when that is set. */
yf_context *cli_open_context(const char *fonts_conf, yf_diags *d);
/* SOURCE_DATE_EPOCH as seconds, -1 when unset or empty, or -2 after an error in `d` (not a decimal number
 * of seconds from 0 to 253402300799, the last second of 9999, so that the PDF and OFD dates stay
 * well-formed): a malformed value is refused, never guessed at. */
long long cli_creation_date(yf_diags *d);
/* Whether the output `path` may be written: absent, or a regular file. A device, FIFO, socket,
 * directory or symbolic link is refused (the write renames a new file over the name); "-" is how
 * to ask for stdout where a command allows it. Returns 0, or -1 with an output.write error. */
int cli_check_output(const char *path, yf_diags *d);
/* Finds and loads a template; says so on stderr when it cannot be found. */
yf_template *cli_open_template(yf_context *ctx, const char *arg, yf_diags *d);
/* The DATA of render, check and text. A JSON object file gives *data. A file of records (JSON
 * Lines, a JSON array, CSV, an .xlsx/.xls sheet `sheet`, its rows grouped by the column
 * `group_by` or not) gives record `record` (1-based) as *data,
 * or its only record; with several and `record` 0, *records (caller frees; the command decides).
 * Returns 0, or -1 after errors in d or on stderr. */
int cli_load_data(const char *path, const char *sheet, const char *group_by, long record,
                  yf_data **data, yf_records **records, yf_diags *d);

/* Set by --json: the diagnostics are printed as one JSON array (yf_diags_json's objects) instead
 * of lines — on stdout (CLI_JSON_STDOUT), or on stderr when stdout is the command's output. */
enum { CLI_JSON_OFF, CLI_JSON_STDOUT, CLI_JSON_STDERR };
extern int cli_json;

/* Appends the program's own problem to `d`, formatted, with its stable code. */
void cli_error(yf_diags *d, const char *code, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* With --json: keeps the diagnostics of one record (1-based; its objects get "record": N) for the
 * array cli_finish prints — from a list, or from its JSON text (cli_diags_json). */
void cli_collect(const yf_diags *d, long record);
void cli_collect_json(const char *json, long record);
/* The diagnostics (only the errors, with `errors_only`) as a JSON array, as text; caller frees
 * with free(). */
char *cli_diags_json(const yf_diags *d, int errors_only);
/* Prints the array of what was collected to `out`, and forgets it. */
void cli_print_json(FILE *out);
/* Prints the diagnostics (warnings unless quiet; with --json all, as JSON), frees them, returns
 * rc. */
int cli_finish(yf_diags *d, int rc);

/* The help of each command (help.c): its text, or NULL for no such command. */
const char *cli_help_text(const char *command);
/* The list of commands, for `yinfa --help` and usage errors. */
void cli_print_usage(FILE *out);

/* The commands that live in files of their own. */
int cmd_help(int argc, char **argv);
int cmd_batch(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif

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
yf_context *cli_open_context(const char *fonts_conf, yf_diags *d);
/* Finds and loads a template; says so on stderr when it cannot be found. */
yf_template *cli_open_template(yf_context *ctx, const char *arg, yf_diags *d);
/* The DATA of render, check and text. A JSON object file gives *data. A file of records (JSON
 * Lines, a JSON array, CSV, an .xlsx/.xls sheet `sheet`, its rows grouped by the column
 * `group_by` or not) gives record `record` (1-based) as *data,
 * or its only record; with several and `record` 0, *records (caller frees; the command decides).
 * Returns 0, or -1 after errors in d or on stderr. */
int cli_load_data(const char *path, const char *sheet, const char *group_by, long record,
                  yf_data **data, yf_records **records, yf_diags *d);

/* Prints the diagnostics (warnings unless quiet), frees them, returns rc. */
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

/* Printing through CUPS (cli/print.c): what `yinfa print`, `yinfa printers` and
 * `yinfa batch --print` share. The engine knows nothing of printers; only the program links libcups. */
#ifndef YINFA_CLI_PRINT_H
#define YINFA_CLI_PRINT_H

#include "yinfa.h"

#include <stddef.h>

/* What a run asks of the printer: -P, --simplex, --copies N or --copies-from SLOT. */
typedef struct {
    const char *printer;     /* NULL: the default destination */
    int simplex;             /* one-sided; otherwise two-sided, long edge */
    int copies;              /* --copies N; 0 when not given */
    const char *copies_from; /* --copies-from SLOT */
} cli_print_options;

/* One document to print: its PDF in a file (`path`) or in memory (`bytes`, `len`). */
typedef struct {
    const char *name;        /* the job's name: the document's file name */
    const char *path;
    const unsigned char *bytes;
    size_t len;
    int copies;              /* 0: not printable, `why` says why */
    char *why;               /* owned by the caller */
} cli_print_doc;

typedef struct cli_printer cli_printer;

/* Handles -P/--printer, --simplex, --copies and --copies-from for `command`'s getopt loop: the
 * option characters are 'P', 'X' (--simplex), 'C' (--copies), 'F' (--copies-from). Returns 1 when
 * `c` was one of them (-1 when its value is wrong, said on stderr), 0 otherwise. */
int cli_print_option(const char *command, int c, const char *arg, cli_print_options *po);

/* The number of copies of a document: --copies N, the value of --copies-from SLOT in `data`, or
 * 1. Returns 0 with the reason in *why (caller frees) when the slot holds no whole number ≥ 1. */
int cli_print_copies(const cli_print_options *po, const yf_data *data, char **why);

/* With --copies-from SLOT: whether `t` declares SLOT. Returns 0, or -1 after saying on stderr
 * that it does not, with the template's whole-number slots that could hold the copies. */
int cli_print_check_slot(const char *command, const cli_print_options *po, const yf_template *t);

/* Connects to CUPS and checks that the destination can print the documents as GB/T 9704 wants
 * them: A4 (iso_a4_210x297mm) at 100 % (print-scaling=none), on both sides unless --simplex,
 * accepting jobs and not paused. NULL after saying on stderr what the clerk can do. Every request
 * gives up after YINFA_CUPS_TIMEOUT seconds (10 by default): a CUPS that does not answer says so. */
cli_printer *cli_printer_open(const char *command, const cli_print_options *po);
void cli_printer_close(cli_printer *p);

/* Prints the documents in order, one CUPS job each, named after the document, waiting for each
 * to complete before sending the next, with a line for each state of each job. A paused printer
 * ends the run; the summary lists the documents not printed. `state_path`, when not NULL, records
 * each document's job (its id, job-uuid, the printer's URI and printer-uuid) and its completion,
 * merged under a lock with what other runs into the same folder recorded; with `resume` the
 * documents it records as printed, or whose own job is still in the queue, are not sent again, and
 * a record that cannot be read ends the run before anything is sent. Returns 0 when every
 * document was printed, else 1. */
int cli_print_run(cli_printer *p, const char *command, cli_print_doc *docs, size_t n,
                  const char *state_path, int resume);

/* The state file of a batch printed into DIR. Caller frees. */
char *cli_print_state_path(const char *dir);

int cmd_print(int argc, char **argv);
int cmd_printers(int argc, char **argv);

#endif

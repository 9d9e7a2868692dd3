/* The web form's files (the folder web/), compiled into the program by scripts/embed-web.sh. */
#ifndef YINFA_CLI_WEB_ASSETS_H
#define YINFA_CLI_WEB_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path;            /* as requested: "/index.html", "/app.js" */
    const unsigned char *data;
    size_t len;
} yf_web_asset;

/* Ends with an entry whose path is NULL. */
extern const yf_web_asset yf_web_assets[];

#endif

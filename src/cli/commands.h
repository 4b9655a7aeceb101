/*
 * commands.h — the credential subcommands of the annovec CLI (cmd_cred.c). Each prints
 * informational lines first and the secret alone on the last line of stdout; errors go to stderr
 * with exit status 1 (2 for usage errors).
 */
#ifndef AV_COMMANDS_H
#define AV_COMMANDS_H

int cmd_apikey(int argc, char **argv);   /* apikey create --data DIR --project NAME */
int cmd_user(int argc, char **argv);     /* user add --data DIR --project NAME --name USER [--password PW] */
int cmd_key(int argc, char **argv);      /* key create --data DIR --project NAME: prints "AK SK" */
int cmd_token(int argc, char **argv);    /* token create --data DIR --project ID [--ttl SECONDS] */

#endif

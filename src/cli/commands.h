/*
 * commands.h — the credential subcommands of the annovec CLI (cmd_cred.c): `annovec KIND VERB`, KIND
 * one of apikey, user, key, token; VERB create, list, revoke (and passwd for users). create prints
 * informational lines first and the secret alone on the last line of stdout; errors go to stderr with
 * exit status 1 (2 for usage errors); --help / -h on a kind or a verb prints its options.
 */
#ifndef AV_COMMANDS_H
#define AV_COMMANDS_H

#include <stdio.h>

int cmd_apikey(int argc, char **argv);   /* apikey create|list|revoke */
int cmd_user(int argc, char **argv);     /* user create (add)|list|revoke (remove)|passwd */
int cmd_key(int argc, char **argv);      /* key create|list|revoke: AK/SK pairs */
int cmd_token(int argc, char **argv);    /* token create|list|revoke: X-Auth-Tokens */
/* One synopsis line per credential command, for `annovec help`. */
void cred_usage(FILE *out);

#endif

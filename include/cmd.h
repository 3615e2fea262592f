/* cmd.h: the subcommands. Each parses its own flags, wires the stages and returns an sq_exit;
 * argv[0] is the subcommand's name. */
#ifndef CMD_H
#define CMD_H

int cmd_list(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_redact(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif

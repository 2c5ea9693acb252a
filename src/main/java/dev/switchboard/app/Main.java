package dev.switchboard.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code switchboard} command line. */
@Command(name = "switchboard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A WebRTC signaling server: y-webrtc and the other dialects on one port, clustered over Redis.",
        subcommands = {ServeCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Every option of serve also reads the environment variable shown in its description."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            // The top-level help lists the options of every command, so one call shows them all.
            cli.usage(System.out);
            for (CommandLine sub : cli.getSubcommands().values()) {
                if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                    System.out.println();
                    sub.usage(System.out);
                }
            }
            return;
        }
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

package dev.switchboard.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code switchboard} command line. */
@Command(name = "switchboard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A WebRTC signaling server: y-webrtc and the other dialects on one port, clustered over Redis.",
        footer = {"", "Every option of serve also reads the environment variable shown in its description."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command line with its subcommands; serve's options come from their definitions. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        CommandLine serve = new CommandLine(new ServeCommand());
        ServeCommand.addOptions(serve.getCommandSpec());
        cli.addSubcommand("serve", serve);
        cli.addSubcommand("bench", new BenchCommand());
        cli.addSubcommand("help", new CommandLine.HelpCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    public static void main(String[] args) {
        CommandLine cli = commandLine();
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

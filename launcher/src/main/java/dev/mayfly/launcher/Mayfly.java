package dev.mayfly.launcher;

import dev.mayfly.launcher.internal.topics.RangeConsumers;
import dev.mayfly.schemas.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.net.BindException;

/** The {@code ./mayfly} command. {@code main} only parses the command line and maps failures to one line and an exit code. */
@Command(name = "mayfly", mixinStandardHelpOptions = true, version = "Mayfly 0.1.0",
        description = "Prometheus metrics for code that does not live long enough to be scraped.",
        subcommands = {StandaloneCommand.class, BrokerCommand.class, StreamsCommand.class, ExporterCommand.class,
                GatewayCommand.class, ExampleCommand.class, EventsCommand.class, ReplayCommand.class, RedriveCommand.class,
                BackfillCommand.class, SettingsCommand.class, CommandLine.HelpCommand.class})
public final class Mayfly implements Runnable {
    /** Exit code for a bad flag or bad configuration. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a failure at run time (a port in use, a broker that cannot start). */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The commands that read topics and print one summary: the Kafka clients' own warnings would bury it. */
    private static final java.util.Set<String> TOPIC_TOOLS = java.util.Set.of("events", "replay", "redrive", "backfill");

    public static void main(String[] args) {
        if (args.length > 0 && TOPIC_TOOLS.contains(args[0])) {
            // before any Kafka class makes its logger (building the command line loads some): a logger's level is fixed then
            RangeConsumers.quietKafkaLogs();
        }
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Mayfly());
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(path(e.getCommandLine()) + ": " + e.getMessage()
                    + " (see '" + path(e.getCommandLine()) + " --help')");
            err.flush();
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable root = e;
            if (e instanceof ConfigException) {
                err.println(path(commandLine) + ": " + e.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
            while (root.getCause() != null && !(root instanceof BindException) && !(root instanceof ConfigException)) {
                root = root.getCause();
            }
            if (root instanceof ConfigException) {
                err.println(path(commandLine) + ": " + root.getMessage());
                err.flush();
                return EXIT_USAGE;
            }
            err.println(path(commandLine) + ": " + (root instanceof BindException
                    ? "cannot listen: " + root.getMessage() + " (is the port in use?)"
                    : e.getMessage() == null ? e.toString() : e.getMessage()));
            err.flush();
            return EXIT_FAILURE;
        });
        return cli;
    }

    private static String path(CommandLine cli) {
        return cli.getCommandSpec().qualifiedName();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}

package dev.protostar.worker;

import java.util.List;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stops the worker on SIGTERM or SIGINT by closing the Spring context first, and only
 * then letting the JVM exit.
 * <p>
 * Why not Spring Boot's shutdown hook alone: the JVM runs every shutdown hook at the
 * same time, and ONNX Runtime registers one of its own ({@code OrtEnvironment}'s
 * closer) that frees the native runtime. It ran while Spring was still letting a job
 * finish its embeddings, and the worker died with SIGSEGV in {@code libonnxruntime.so}
 * (seen in the end-to-end graceful-stop check). Handling the signal here, the running
 * jobs finish (or are handed back) before any hook runs; Spring's own hook then finds
 * the context closed and does nothing.
 */
final class StopOnSignal {

	private static final Logger log = LoggerFactory.getLogger(StopOnSignal.class);

	private static final List<String> SIGNALS = List.of("TERM", "INT");

	private StopOnSignal() {
	}

	/** Installs the handler for the process: exit status 128 + the signal's number. */
	static void install(ConfigurableApplicationContext context) {
		install(context, System::exit);
	}

	/**
	 * @param exit what ends the process once the context is closed (the JVM's exit;
	 * tests pass their own)
	 */
	static void install(ConfigurableApplicationContext context, IntConsumer exit) {
		for (String name : SIGNALS) {
			Signal.handle(new Signal(name), (signal) -> stop(context, signal, exit));
		}
	}

	private static void stop(ConfigurableApplicationContext context, Signal signal, IntConsumer exit) {
		log.info("SIG{} received: stopping the worker before the JVM's shutdown hooks run", signal.getName());
		try {
			context.close();
		}
		finally {
			exit.accept(128 + signal.getNumber());
		}
	}

}

package dev.protostar.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** Signals raised in this JVM, with the JVM's own handlers put back after each test. */
class StopOnSignalTests {

	private final List<String> happened = new CopyOnWriteArrayList<>();

	private final CountDownLatch exited = new CountDownLatch(1);

	private SignalHandler term;

	private SignalHandler interrupt;

	@BeforeEach
	void keepTheJvmsHandlers() {
		// Replaced by a Java handler, not SIG_IGN: the JVM refuses to install a handler
		// for a shutdown signal that the process ignores.
		SignalHandler none = (signal) -> {
		};
		this.term = Signal.handle(new Signal("TERM"), none);
		this.interrupt = Signal.handle(new Signal("INT"), none);
	}

	@AfterEach
	void restoreTheJvmsHandlers() {
		Signal.handle(new Signal("TERM"), this.term);
		Signal.handle(new Signal("INT"), this.interrupt);
	}

	@Test
	void termClosesTheContextAndOnlyThenExitsWith143() throws InterruptedException {
		GenericApplicationContext context = contextRecordingItsClose();
		StopOnSignal.install(context, this::exit);

		Signal.raise(new Signal("TERM"));

		assertThat(this.exited.await(10, TimeUnit.SECONDS)).as("the exit was called").isTrue();
		assertThat(this.happened).containsExactly("context closed", "exit 143");
		assertThat(context.isActive()).isFalse();
	}

	@Test
	void intStopsTheSameWayWith130() throws InterruptedException, IOException {
		// A shell starts its background jobs with SIGINT ignored, and the JVM installs no
		// handler for a shutdown signal ignored at start: raising it then does nothing,
		// here as in a worker started that way (in its container, SIGINT is not ignored).
		assumeFalse(ignoredSinceStart(new Signal("INT")), "SIGINT is ignored by this process");
		StopOnSignal.install(contextRecordingItsClose(), this::exit);

		Signal.raise(new Signal("INT"));

		assertThat(this.exited.await(10, TimeUnit.SECONDS)).as("the exit was called").isTrue();
		assertThat(this.happened).containsExactly("context closed", "exit 130");
	}

	/** Whether the process ignores the signal, from the kernel's view ({@code SigIgn}). */
	private static boolean ignoredSinceStart(Signal signal) throws IOException {
		Path status = Path.of("/proc/self/status");
		if (!Files.isReadable(status)) {
			return false;
		}
		for (String line : Files.readAllLines(status)) {
			if (line.startsWith("SigIgn:")) {
				long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16);
				return (ignored & (1L << (signal.getNumber() - 1))) != 0;
			}
		}
		return false;
	}

	private GenericApplicationContext contextRecordingItsClose() {
		GenericApplicationContext context = new GenericApplicationContext();
		context.registerBean("worker", DisposableBean.class, () -> () -> this.happened.add("context closed"));
		context.refresh();
		return context;
	}

	private void exit(int status) {
		this.happened.add("exit " + status);
		this.exited.countDown();
	}

}

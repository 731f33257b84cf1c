package dev.protostar.worker.queue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A handler whose behaviour a test supplies, recording every run. */
final class TestHandler implements JobHandler {

	interface Body {

		void run(Job job, JobContext context) throws Exception;

	}

	private final String type;

	private final Body body;

	final List<String> runs = new CopyOnWriteArrayList<>();

	final Map<String, List<Long>> startedAt = new ConcurrentHashMap<>();

	final Map<String, AtomicInteger> completedRuns = new ConcurrentHashMap<>();

	TestHandler(String type, Body body) {
		this.type = type;
		this.body = body;
	}

	static TestHandler noop(String type) {
		return new TestHandler(type, (job, context) -> {
		});
	}

	@Override
	public String type() {
		return this.type;
	}

	@Override
	public void handle(Job job, JobContext context) throws Exception {
		this.runs.add(job.id());
		this.startedAt.computeIfAbsent(job.id(), (id) -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
		this.body.run(job, context);
		this.completedRuns.computeIfAbsent(job.id(), (id) -> new AtomicInteger()).incrementAndGet();
	}

	int runsOf(String id) {
		return (int) this.runs.stream().filter(id::equals).count();
	}

}

package dev.protostar.worker.ingestion;

/**
 * The end of one file's parse time. The parse thread checks it at every step it controls
 * (a PDF operator or page, a DOCX paragraph, a block of text): PDFBox and POI do not
 * always notice an interrupt, so this is what makes an abandoned parse stop soon.
 */
final class Deadline {

	private final long end;

	private final ParseLimits limits;

	private Deadline(long end, ParseLimits limits) {
		this.end = end;
		this.limits = limits;
	}

	/** Starting now, {@link ParseLimits#timeout()} long. */
	static Deadline start(ParseLimits limits) {
		return new Deadline(System.nanoTime() + limits.timeout().toNanos(), limits);
	}

	/** Whether the time is up, or the parse was abandoned (its thread interrupted). */
	boolean passed() {
		return System.nanoTime() - this.end >= 0 || Thread.currentThread().isInterrupted();
	}

	/** @throws LimitExceededException when the time is up or the parse was abandoned */
	void check() {
		if (passed()) {
			throw new LimitExceededException(this.limits.tooSlow());
		}
	}

}

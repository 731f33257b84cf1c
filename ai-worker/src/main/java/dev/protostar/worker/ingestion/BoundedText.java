package dev.protostar.worker.ingestion;

import java.io.Writer;

/**
 * Collects extracted text and stops the parse as soon as the text can no longer fit
 * ({@link ParseLimits#rawChars()}) or the time is up, instead of building a huge string
 * first and measuring it afterwards.
 */
final class BoundedText extends Writer {

	private final StringBuilder text = new StringBuilder();

	private final ParseLimits limits;

	private final Deadline deadline;

	BoundedText(ParseLimits limits, Deadline deadline) {
		this.limits = limits;
		this.deadline = deadline;
	}

	/**
	 * For a parser that fills a StringBuilder of its own.
	 * @throws LimitExceededException when the text can no longer fit or the time is up
	 */
	static void check(CharSequence text, ParseLimits limits, Deadline deadline) {
		if (text.length() > limits.rawChars()) {
			throw new LimitExceededException(limits.tooManyChars());
		}
		deadline.check();
	}

	@Override
	public void write(char[] chars, int offset, int length) {
		this.text.append(chars, offset, length);
		check(this.text, this.limits, this.deadline);
	}

	@Override
	public void write(String string, int offset, int length) {
		this.text.append(string, offset, offset + length);
		check(this.text, this.limits, this.deadline);
	}

	@Override
	public void flush() {
	}

	@Override
	public void close() {
	}

	@Override
	public String toString() {
		return this.text.toString();
	}

}

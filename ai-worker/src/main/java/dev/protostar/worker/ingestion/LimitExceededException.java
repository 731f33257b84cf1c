package dev.protostar.worker.ingestion;

/**
 * A file went past one of the {@link ParseLimits} while it was read. Unchecked, so it
 * passes through PDFBox's and POI's callbacks (a writer, a text position) unchanged;
 * the text extractor turns it into an {@link UnusableDocumentException} with this
 * message.
 */
class LimitExceededException extends RuntimeException {

	LimitExceededException(String message) {
		super(message, null, false, false); // thrown deep inside a parser: no stack trace
	}

	/** The first one in a cause chain (a parser may wrap it), or null. */
	static LimitExceededException in(Throwable failure) {
		for (Throwable t = failure; t != null; t = (t.getCause() == t) ? null : t.getCause()) {
			if (t instanceof LimitExceededException limit) {
				return limit;
			}
		}
		return null;
	}

}

package dev.protostar.worker.answer;

/**
 * Assembles the {@code data} of server-sent events from a stream's lines, as the HTML
 * standard's event-stream parsing says: {@code data:} lines (one optional space after
 * the colon) accumulate, joined by newlines; a blank line dispatches the event;
 * comments ({@code :…}) and the other fields ({@code event}, {@code id},
 * {@code retry}) carry nothing either API puts content in. Lines arrive without their
 * terminator (CR, LF or CRLF). Not thread-safe: one per stream.
 */
final class ServerSentEvents {

	private final StringBuilder data = new StringBuilder();

	private boolean hasData;

	private boolean first = true;

	/** Takes the next line; returns the data of the event it completes, or null. */
	String line(String line) {
		if (this.first) {
			this.first = false;
			if (line.startsWith("\uFEFF")) {
				line = line.substring(1);
			}
		}
		if (line.isEmpty()) {
			if (!this.hasData) {
				return null;
			}
			String event = this.data.toString();
			this.data.setLength(0);
			this.hasData = false;
			return event;
		}
		if (line.charAt(0) == ':') {
			return null;
		}
		int colon = line.indexOf(':');
		String field = (colon < 0) ? line : line.substring(0, colon);
		if (field.equals("data")) {
			String value = (colon < 0) ? "" : line.substring(colon + 1);
			if (this.hasData) {
				this.data.append('\n');
			}
			this.data.append(value.startsWith(" ") ? value.substring(1) : value);
			this.hasData = true;
		}
		return null;
	}

	/**
	 * Whether data arrived that no blank line has dispatched yet: at the end of the
	 * stream, the sign of a stream cut in the middle of an event (the standard drops
	 * such an event).
	 */
	boolean pending() {
		return this.hasData;
	}

}

package dev.protostar.worker.ingestion;

import java.time.Duration;

/**
 * The limits of reading one untrusted file (what each means and its default:
 * {@link IngestionProperties}). Each limit has a message that names the setting, which
 * becomes the document's error: the uploader learns why, the operator what to raise.
 *
 * @param maxChars the most characters of text a file may yield
 * @param maxPages the most pages of a PDF
 * @param maxPdfStreamBytes the most bytes a PDF stream may decode to
 * @param maxDocxEntryBytes the most bytes a DOCX entry may unpack to
 * @param minDocxInflateRatio the lowest compressed-to-unpacked ratio of a DOCX entry
 * @param maxDocxEntries the most entries of a DOCX's ZIP container
 * @param timeout how long reading one file may take
 */
record ParseLimits(long maxChars, int maxPages, long maxPdfStreamBytes, long maxDocxEntryBytes,
		double minDocxInflateRatio, int maxDocxEntries, Duration timeout) {

	/** POI's ceiling for its entry size limit (ZipSecureFile.setMaxEntrySize). */
	private static final long MAX_ZIP_ENTRY = 0xFFFFFFFFL;

	private static final long MB = 1024 * 1024;

	ParseLimits {
		if (maxChars < 1 || maxPages < 1 || maxPdfStreamBytes < 1 || maxDocxEntries < 1) {
			throw new IllegalArgumentException(
					"maxChars, maxPages, maxPdfStreamBytes and maxDocxEntries must be at least 1");
		}
		if (maxDocxEntryBytes < 1 || maxDocxEntryBytes > MAX_ZIP_ENTRY) {
			throw new IllegalArgumentException("protostar.ingestion.max-docx-entry-size must be within 1 byte.."
					+ MAX_ZIP_ENTRY + " bytes, was " + maxDocxEntryBytes);
		}
		if (!(minDocxInflateRatio >= 0 && minDocxInflateRatio <= 1)) {
			throw new IllegalArgumentException("protostar.ingestion.min-docx-inflate-ratio must be within 0..1, was "
					+ minDocxInflateRatio);
		}
		if (timeout.isNegative() || timeout.isZero()) {
			throw new IllegalArgumentException("protostar.ingestion.parse-timeout must be positive, was " + timeout);
		}
	}

	/**
	 * Characters extraction may produce before it stops: twice {@link #maxChars}, since
	 * normalising (line ends, blank lines) and markdown stripping shorten a text, and a
	 * text that fits after them must not fail. Past this the text cannot fit in practice,
	 * and the memory spent on a hostile file stays a few tens of megabytes.
	 */
	int rawChars() {
		return (int) Math.min(2 * this.maxChars, Integer.MAX_VALUE - 16);
	}

	String tooManyChars() {
		return "the file holds more than " + this.maxChars
				+ " characters of text, the limit (protostar.ingestion.max-chars)";
	}

	String tooManyPages() {
		return "the PDF has more than " + this.maxPages + " pages, the limit (protostar.ingestion.max-pages)";
	}

	/** @param object the stream's object number */
	String pdfStreamTooLarge(long object) {
		return "a stream of the PDF (object " + object + ") decodes to more than " + bytes(this.maxPdfStreamBytes)
				+ ", the limit (protostar.ingestion.max-pdf-stream-size)";
	}

	String docxEntryTooLarge() {
		return "a part of the DOCX document unpacks to more than " + bytes(this.maxDocxEntryBytes)
				+ ", the limit (protostar.ingestion.max-docx-entry-size)";
	}

	String docxTooCompressed() {
		return "a part of the DOCX document unpacks to more than " + Math.round(1 / this.minDocxInflateRatio)
				+ " times its compressed size (a zip bomb?), the limit (protostar.ingestion.min-docx-inflate-ratio = "
				+ this.minDocxInflateRatio + ")";
	}

	String tooManyDocxEntries() {
		return "the DOCX document holds more than " + this.maxDocxEntries
				+ " files, the limit (protostar.ingestion.max-docx-entries)";
	}

	String tooSlow() {
		long millis = this.timeout.toMillis();
		String took = (millis % 1000 == 0) ? (millis / 1000) + " s" : millis + " ms";
		return "reading the file took longer than " + took + ", the limit (protostar.ingestion.parse-timeout)";
	}

	private static String bytes(long bytes) {
		return (bytes % MB == 0) ? (bytes / MB) + " MB" : bytes + " bytes";
	}

}

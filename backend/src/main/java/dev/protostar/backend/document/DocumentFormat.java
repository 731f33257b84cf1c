package dev.protostar.backend.document;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.contract.document.FileType;

/**
 * The file formats a document may have, and the check an upload passes before
 * anything is stored: the file name's extension, the declared Content-Type and
 * the content's first bytes must all agree. Neither a name nor a browser's
 * guess is trusted alone (a PNG renamed {@code .pdf} is refused). The content
 * is sniffed by the contract's {@link FileType}, as the ai-worker's extractor
 * does, so a file accepted here is one the worker can read; the worker checks
 * again, since it trusts no producer.
 */
enum DocumentFormat {

	TEXT("text/plain", Set.of("txt", "text")),

	MARKDOWN("text/markdown", Set.of("md", "markdown")),

	PDF("application/pdf", Set.of("pdf")),

	DOCX("application/vnd.openxmlformats-officedocument.wordprocessingml.document", Set.of("docx"));

	/** Browsers send this (or nothing) for files they do not know, e.g. {@code .md}. */
	private static final String UNKNOWN = "application/octet-stream";

	private static final Pattern CHARSET = Pattern.compile("(?i);\\s*charset=\"?([A-Za-z0-9._:-]{1,40})\"?");

	private final String contentType;

	private final Set<String> extensions;

	DocumentFormat(String contentType, Set<String> extensions) {
		this.contentType = contentType;
		this.extensions = extensions;
	}

	String contentType() {
		return this.contentType;
	}

	/**
	 * The format of an upload, or a 415 {@code UNSUPPORTED_DOCUMENT_TYPE} saying
	 * what is wrong.
	 * @param filename the uploaded file's name (already reduced to its last segment)
	 * @param declaredType the part's Content-Type, possibly null
	 * @param head the first bytes of the content (at least
	 * {@link FileType#SNIFF_BYTES} when the file is that long)
	 */
	static DocumentFormat detect(String filename, String declaredType, byte[] head) {
		DocumentFormat byName = byExtension(filename);
		String declared = mediaType(declaredType);
		if (!declared.isEmpty() && !declared.equals(UNKNOWN) && !byName.accepts(declared)) {
			throw unsupported("the file is named ." + extension(filename) + " but declared as " + declared);
		}
		FileType sniffed = FileType.sniff(head);
		boolean matches = switch (byName) {
			case PDF -> sniffed == FileType.PDF;
			case DOCX -> sniffed == FileType.ZIP;
			case TEXT, MARKDOWN -> sniffed == FileType.TEXT;
		};
		if (!matches) {
			throw unsupported("the file is named ." + extension(filename) + " but its content is "
					+ sniffed.description());
		}
		return byName;
	}

	/**
	 * The Content-Type stored with the document (the worker reads it): the
	 * format's own, plus the declared charset of a text file.
	 */
	String storedContentType(String declaredType) {
		if (this == PDF || this == DOCX || declaredType == null) {
			return this.contentType;
		}
		Matcher matcher = CHARSET.matcher(declaredType);
		return matcher.find() ? this.contentType + "; charset=" + matcher.group(1) : this.contentType;
	}

	private boolean accepts(String mediaType) {
		return switch (this) {
			case TEXT -> mediaType.equals("text/plain");
			// A .md file is plain text too; some systems say so.
			case MARKDOWN -> mediaType.equals("text/markdown") || mediaType.equals("text/x-markdown")
					|| mediaType.equals("text/plain");
			case PDF, DOCX -> mediaType.equals(this.contentType);
		};
	}

	private static DocumentFormat byExtension(String filename) {
		String extension = extension(filename);
		for (DocumentFormat format : values()) {
			if (format.extensions.contains(extension)) {
				return format;
			}
		}
		throw unsupported(extension.isEmpty() ? "the file name has no extension (allowed: .txt, .md, .pdf, .docx)"
				: "files named ." + extension + " are not accepted (allowed: .txt, .md, .pdf, .docx)");
	}

	static String extension(String filename) {
		int dot = filename.lastIndexOf('.');
		return (dot < 0 || dot == filename.length() - 1) ? ""
				: filename.substring(dot + 1).toLowerCase(Locale.ROOT);
	}

	private static String mediaType(String declaredType) {
		if (declaredType == null) {
			return "";
		}
		int semicolon = declaredType.indexOf(';');
		return ((semicolon >= 0) ? declaredType.substring(0, semicolon) : declaredType).strip()
			.toLowerCase(Locale.ROOT);
	}

	private static ApiException unsupported(String message) {
		return new ApiException(ResultCode.UNSUPPORTED_DOCUMENT_TYPE, message);
	}

}

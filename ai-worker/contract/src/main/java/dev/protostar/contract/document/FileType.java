package dev.protostar.contract.document;

/**
 * What a file is by its first bytes (its magic number), whatever its name or declared
 * type say: the backend refuses an upload whose name, declared type and content
 * disagree, and the worker checks again before it extracts text, since it trusts no
 * producer. Both ask this one enum, so what one accepts the other can read.
 */
public enum FileType {

	PDF("a PDF"),

	/** A ZIP container, as a DOCX document is. */
	ZIP("a ZIP archive (or a DOCX document)"),

	/** No NUL byte in the first {@link #SNIFF_BYTES} bytes, or a UTF-16 byte order mark. */
	TEXT("plain text"),

	/** A Windows ({@code MZ}) or Linux ({@code ELF}) program. */
	EXECUTABLE("a program"),

	/** The Office formats before 2007: OLE2 compound files. */
	OLD_OFFICE("an old Office binary file (.doc/.xls/.ppt)"),

	/** PNG, JPEG or GIF. */
	IMAGE("an image"),

	/** gzip, 7-Zip or RAR. */
	ARCHIVE("a compressed archive"),

	/** Anything else with a NUL byte. */
	BINARY("binary data");

	/** How much of a file is looked at for NUL bytes: read at least this much of it. */
	public static final int SNIFF_BYTES = 8192;

	private final String description;

	FileType(String description) {
		this.description = description;
	}

	/** What the type is called in a message to the uploader, e.g. "an image". */
	public String description() {
		return this.description;
	}

	/** @param head the first bytes of the file (at least {@link #SNIFF_BYTES} when it is that long) */
	public static FileType sniff(byte[] head) {
		if (startsWith(head, "%PDF-")) {
			return PDF;
		}
		if (startsWith(head, "PK\u0003\u0004")) {
			return ZIP;
		}
		if (startsWith(head, "MZ") || startsWith(head, "\u007FELF")) {
			return EXECUTABLE;
		}
		if (startsWith(head, "\u00D0\u00CF\u0011\u00E0")) {
			return OLD_OFFICE;
		}
		if (startsWith(head, "\u0089PNG") || startsWith(head, "\u00FF\u00D8\u00FF") || startsWith(head, "GIF8")) {
			return IMAGE;
		}
		if (startsWith(head, "\u001F\u008B") || startsWith(head, "7z\u00BC\u00AF") || startsWith(head, "Rar!")) {
			return ARCHIVE;
		}
		if (startsWith(head, "\u00FE\u00FF") || startsWith(head, "\u00FF\u00FE")) {
			return TEXT; // UTF-16 with a byte order mark
		}
		int n = Math.min(head.length, SNIFF_BYTES);
		for (int i = 0; i < n; i++) {
			if (head[i] == 0) {
				return BINARY;
			}
		}
		return TEXT;
	}

	private static boolean startsWith(byte[] bytes, String latin1) {
		if (bytes.length < latin1.length()) {
			return false;
		}
		for (int i = 0; i < latin1.length(); i++) {
			if ((bytes[i] & 0xFF) != latin1.charAt(i)) {
				return false;
			}
		}
		return true;
	}

}

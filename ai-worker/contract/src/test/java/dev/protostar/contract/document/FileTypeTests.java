package dev.protostar.contract.document;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FileTypeTests {

	@Test
	void documentsAreKnownByTheirSignature() {
		assertThat(FileType.sniff(bytes("%PDF-1.7\n"))).isEqualTo(FileType.PDF);
		assertThat(FileType.sniff(new byte[] { 'P', 'K', 3, 4, 20, 0 })).isEqualTo(FileType.ZIP);
		assertThat(FileType.sniff("연차 15일".getBytes(StandardCharsets.UTF_8))).isEqualTo(FileType.TEXT);
		assertThat(FileType.sniff(new byte[] { (byte) 0xFF, (byte) 0xFE, 'a', 0 })).isEqualTo(FileType.TEXT);
		assertThat(FileType.sniff(new byte[] { (byte) 0xFE, (byte) 0xFF, 0, 'a' })).isEqualTo(FileType.TEXT);
		assertThat(FileType.sniff(new byte[0])).isEqualTo(FileType.TEXT);
	}

	@Test
	void programsAreKnownEvenThoughTheyAreBinaryAnyway() {
		assertThat(FileType.sniff(new byte[] { 'M', 'Z', (byte) 0x90, 0 })).isEqualTo(FileType.EXECUTABLE);
		assertThat(FileType.sniff(new byte[] { 0x7F, 'E', 'L', 'F', 2, 1 })).isEqualTo(FileType.EXECUTABLE);
		assertThat(FileType.EXECUTABLE.description()).isEqualTo("a program");
	}

	@Test
	void otherFormatsAreNamedForTheUploader() {
		assertThat(FileType.sniff(new byte[] { (byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0 }))
			.isEqualTo(FileType.OLD_OFFICE);
		assertThat(FileType.sniff(new byte[] { (byte) 0x89, 'P', 'N', 'G' })).isEqualTo(FileType.IMAGE);
		assertThat(FileType.sniff(new byte[] { (byte) 0xFF, (byte) 0xD8, (byte) 0xFF })).isEqualTo(FileType.IMAGE);
		assertThat(FileType.sniff(bytes("GIF89a"))).isEqualTo(FileType.IMAGE);
		assertThat(FileType.sniff(new byte[] { 0x1F, (byte) 0x8B, 8 })).isEqualTo(FileType.ARCHIVE);
		assertThat(FileType.sniff(bytes("Rar!\u001A"))).isEqualTo(FileType.ARCHIVE);
		assertThat(FileType.IMAGE.description()).isEqualTo("an image");
	}

	@Test
	void aNulByteMakesBinaryDataOnlyWithinTheSniffedHead() {
		assertThat(FileType.sniff(new byte[] { 'a', 0, 'b' })).isEqualTo(FileType.BINARY);
		byte[] late = new byte[FileType.SNIFF_BYTES + 1];
		java.util.Arrays.fill(late, (byte) 'a');
		late[FileType.SNIFF_BYTES] = 0;
		assertThat(FileType.sniff(late)).isEqualTo(FileType.TEXT);
		late[FileType.SNIFF_BYTES - 1] = 0;
		assertThat(FileType.sniff(late)).isEqualTo(FileType.BINARY);
	}

	private static byte[] bytes(String latin1) {
		return latin1.getBytes(StandardCharsets.ISO_8859_1);
	}

}

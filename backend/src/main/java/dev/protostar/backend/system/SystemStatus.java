package dev.protostar.backend.system;

record SystemStatus(String status, String color, String version) {
}

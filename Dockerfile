# Builds the pairwise server into a small image. The server needs a
# PostgreSQL database: set DATABASE_URL (docker-compose.yml does).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/server ./cmd/server

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 pairwise
COPY --from=build /out/server /usr/local/bin/server
USER pairwise
EXPOSE 8080
ENV PAIRWISE_ADDR=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/server"]
CMD ["serve"]

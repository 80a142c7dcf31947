"""Leaf objects several message types share: media references (by link or uploaded id) and locations."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from airflow_provider_whatsapp.models.common import ApiModel, HttpUrl, NonEmpty, broken, chars

#: Meta, Messages API reference ("Media object", caption): "Maximum 1024 characters"; also the
#: ``maxLength`` of ``MediaObject_1.caption`` in Meta's OpenAPI file. Only image, video and document take one.
CAPTION_MAX = 1024
#: Latitude and longitude in decimal degrees (WGS 84), as the Location object takes them.
LATITUDE_LIMIT = 90.0
LONGITUDE_LIMIT = 180.0


class MediaObject(ApiModel):
    """A media reference: exactly one of ``link`` (public http(s) URL) or ``id`` (an uploaded media id).

    Meta, Messages API reference, Media object: "id - Required when type is audio, document, image,
    sticker, or video and you are not using a link"; "link - ... The protocol and URL of the media to be
    sent. Use only with HTTP/HTTPS URLs."
    """

    id: NonEmpty | None = None
    link: HttpUrl | None = None

    @model_validator(mode="after")
    def _link_xor_id(self) -> MediaObject:
        if (self.id is None) == (self.link is None):
            raise broken("exactly one of link or id")
        return self


class CaptionedMedia(MediaObject):
    """Image or video media with an optional caption."""

    caption: Annotated[str, chars(CAPTION_MAX)] | None = None


class NamedMedia(MediaObject):
    """A document reference with the file name shown to the recipient (headers, template parameters)."""

    filename: NonEmpty | None = None


class DocumentMedia(NamedMedia, CaptionedMedia):
    """A document message's media: link or id, optional caption and file name."""


class Location(ApiModel):
    """A map pin: latitude and longitude as numbers (the live API's form), optional name and address."""

    latitude: Annotated[float, Field(ge=-LATITUDE_LIMIT, le=LATITUDE_LIMIT)]
    longitude: Annotated[float, Field(ge=-LONGITUDE_LIMIT, le=LONGITUDE_LIMIT)]
    name: str | None = None
    address: str | None = None

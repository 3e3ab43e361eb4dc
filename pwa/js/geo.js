// Positions for visit check-ins (拜访签到): reading the browser's position
// and the distance between two points. No geocoding service is used: a
// customer's place is the position of a check-in marked as its place.

// Mean radius of the Earth in metres (IUGG). The haversine distance on a
// sphere of this radius is within about 0.5 % of the distance on the ellipsoid.
const EARTH_RADIUS_M = 6371008.8;

// How long to wait for a position, in ms. A cached position is never
// taken (maximumAge 0): a check-in records where the rep is now.
const LOCATE_TIMEOUT_MS = 15000;

function radians(degrees) {
  return (degrees * Math.PI) / 180;
}

// The great-circle distance in metres between {lat, lng} points, by the haversine formula.
export function distanceMetres(a, b) {
  const dLat = radians(b.lat - a.lat);
  const dLng = radians(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

// {value, unit}: whole metres below 1 km, else km with one decimal (two below 10 km).
export function distanceParts(metres) {
  if (metres < 1000) return { value: String(Math.round(metres)), unit: 'm' };
  const km = metres / 1000;
  return { value: km < 10 ? km.toFixed(2) : km.toFixed(1), unit: 'km' };
}

export function isLocation(value) {
  return Boolean(value) && Number.isFinite(value.lat) && Number.isFinite(value.lng);
}

// iOS and iPadOS, whose browsers open no geo: URI. iPadOS names itself a
// Mac, which has no touch screen.
function isAppleMobile() {
  return /iPhone|iPad|iPod/.test(navigator.userAgent)
    || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1);
}

// Return the URL that opens a {lat, lng} position (WGS-84, as the browser
// reports it) in the phone's map app. Android passes a geo: URI (RFC 5870)
// to the map app. iOS opens no geo: URI, so it gets an Apple Maps link.
export function mapUrl({ lat, lng }) {
  const place = `${lat},${lng}`;
  return isAppleMobile() ? `https://maps.apple.com/?ll=${place}&q=${place}` : `geo:${place}?q=${place}`;
}

// Read the current position. Resolves to {location: {lat, lng, accuracy}}
// or {error} where error is 'insecure' (not HTTPS), 'unsupported' (no
// geolocation API), 'denied' (the person or the browser refused),
// 'unavailable' (no fix, such as indoors or location services off) or
// 'timeout'. Works offline: the position comes from the phone, not a server.
export function locate(geolocation = navigator.geolocation, secure = window.isSecureContext) {
  if (!secure) return Promise.resolve({ error: 'insecure' });
  if (!geolocation) return Promise.resolve({ error: 'unsupported' });
  return new Promise((resolve) => {
    geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        resolve({ location: { lat: latitude, lng: longitude, accuracy: Math.round(accuracy) } });
      },
      (error) => {
        const codes = { 1: 'denied', 2: 'unavailable', 3: 'timeout' };
        resolve({ error: codes[error.code] ?? 'unavailable', detail: error.message });
      },
      { enableHighAccuracy: true, timeout: LOCATE_TIMEOUT_MS, maximumAge: 0 },
    );
  });
}

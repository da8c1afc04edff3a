// Photos shrunk on the phone before they are sent: a camera's 5-10 MB photo
// becomes a JPEG of at most MAX_SIDE pixels (a few hundred KB), so that it
// goes up quickly on a mobile connection and within the request's limit.
// Only file fields marked data-shrink-photos, only photos larger than
// MAX_SIDE or SMALL_ENOUGH bytes. Where the browser lacks what this needs
// (canvas.toBlob, DataTransfer), or a photo does not decode, the files go as
// chosen: the server takes photos up to the request's limit and shrinks them
// itself (app/uploads.py), so this only saves time and data.
(function () {
  var MAX_SIDE = 2000;
  var SMALL_ENOUGH = 1024 * 1024;
  var QUALITY = 0.85;
  var PHOTO = /^image\/(jpeg|png|webp)$/;

  function supported() {
    try {
      return !!(window.DataTransfer && new window.DataTransfer().items && window.URL && URL.createObjectURL &&
                HTMLCanvasElement.prototype.toBlob);
    } catch (e) {
      return false;  // an old browser's DataTransfer cannot be made by a page
    }
  }

  // The photo as a smaller JPEG (a File), or the photo itself.
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!PHOTO.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        URL.revokeObjectURL(url);
        var width = image.naturalWidth, height = image.naturalHeight;
        var longer = Math.max(width, height);
        if (!longer || (longer <= MAX_SIDE && file.size <= SMALL_ENOUGH)) { resolve(file); return; }
        var scale = Math.min(1, MAX_SIDE / longer);
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(width * scale));
        canvas.height = Math.max(1, Math.round(height * scale));
        var context = canvas.getContext("2d");
        if (!context) { resolve(file); return; }
        context.fillStyle = "#fff";  // a JPEG has no transparency: a PNG's clear parts on white
        context.fillRect(0, 0, canvas.width, canvas.height);
        // Browsers draw a photo upright by its EXIF orientation (image-orientation: from-image).
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          try {
            resolve(new File([blob], name, {type: "image/jpeg", lastModified: file.lastModified}));
          } catch (e) {
            resolve(file);  // no File constructor: the original goes
          }
        }, "image/jpeg", QUALITY);
      };
      image.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      image.src = url;
    });
  }

  function shrinkField(input) {
    var chosen = Array.prototype.slice.call(input.files || []);
    if (!chosen.length) { return Promise.resolve(); }
    return Promise.all(chosen.map(shrink)).then(function (files) {
      if (files.every(function (f, i) { return f === chosen[i]; })) { return; }
      var list = new window.DataTransfer();
      files.forEach(function (f) { list.items.add(f); });
      input.files = list.files;
    });
  }

  if (!supported()) { return; }
  // Other photos chosen (after going back to the form): shrink those too.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-shrink-photos]") && input.form) {
      input.form.removeAttribute("data-photos-shrunk");
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.getAttribute("data-photos-shrunk") === "yes") { return; }
    var fields = Array.prototype.filter.call(form.querySelectorAll("input[type=file][data-shrink-photos]"),
                                             function (input) { return input.files && input.files.length; });
    if (!fields.length) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    form.setAttribute("aria-busy", "true");
    var buttons = form.querySelectorAll("button[type=submit]");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    Promise.all(fields.map(shrinkField)).catch(function () { /* send what was chosen */ }).then(function () {
      form.setAttribute("data-photos-shrunk", "yes");
      form.removeAttribute("aria-busy");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      // submit() skips the submit handlers, which have already run (a question asked once), and
      // sends no button: the one pressed, if it has a name, goes as a hidden field.
      if (submitter && submitter.name) {
        var pressed = document.createElement("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      HTMLFormElement.prototype.submit.call(form);
    });
  });
})();
